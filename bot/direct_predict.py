"""DIET's compiled prediction graph called with its tensors directly, not through ``tf.function``.

Rasa 3.6 predicts one message with ``self._tf_predict_step(batch_in)``, a ``tf.function`` with a
fixed input signature. Every such call makes TensorFlow 2.12 canonicalise the nested Python
arguments, derive their trace type, look the concrete function up and cast every input against
the signature again, before it runs the graph: about a third of DIET's share of a parse, more
than the graph itself (py-spy on the parse loop, issue 11). The signature never changes after the
first call, so the concrete function is looked up once and each call converts the batch's arrays
to eager tensors of the signature's dtypes (the conversion ``tf.convert_to_tensor`` ends in) and
runs the same graph with them. Eager execution, the first call (which builds the graph as Rasa
does) and anything unexpected go Rasa's own way.
"""

from __future__ import annotations

import weakref
from typing import Any

import tensorflow as tf
from keras.utils import tf_utils
from tensorflow.python.eager import context
from tensorflow.python.framework import constant_op
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel

_ORIGINAL = RasaModel.__dict__["_rasa_predict"]
_CONCRETE: weakref.WeakKeyDictionary[RasaModel, Any] = weakref.WeakKeyDictionary()


def _concrete(model: RasaModel) -> Any | None:
    """The predict graph's concrete function and its flat input dtypes, or None to go Rasa's way."""
    found = _CONCRETE.get(model)
    if found is None:
        step = getattr(model, "_tf_predict_step", None)
        if step is None or getattr(step, "input_signature", None) is None:
            return None
        concrete = step.get_concrete_function()
        dtypes = [spec.dtype for spec in tf.nest.flatten(concrete.structured_input_signature[0])]
        found = (concrete, dtypes)
        _CONCRETE[model] = found
    return found


def rasa_predict(self: RasaModel, batch_in: Any) -> dict[str, Any]:
    """Rasa's ``RasaModel._rasa_predict``, calling the concrete graph with flat tensors."""
    found = None if self._run_eagerly or not self.prepared_for_prediction else _concrete(self)
    if found is None:
        return _ORIGINAL(self, batch_in)  # type: ignore[no-any-return]
    concrete, dtypes = found
    flat = tf.nest.flatten(batch_in)
    if len(flat) != len(dtypes):
        return _ORIGINAL(self, batch_in)  # type: ignore[no-any-return]
    if self._training is not False:  # Keras's __setattr__ is dear; set it only when it differs
        self._training = False
    # what tf.convert_to_tensor does for an array, without its six layers of dispatch around it
    ctx = context.context()
    tensors = [constant_op.convert_to_eager_tensor(value, ctx, dtype)
               for value, dtype in zip(flat, dtypes)]
    outputs = tf_utils.sync_to_numpy_or_python_type(
        concrete._call_flat(tensors, concrete.captured_inputs))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs  # type: ignore[no-any-return]


def install() -> None:
    """Calls DIET's compiled prediction graph directly once it is built (idempotent)."""
    RasaModel._rasa_predict = rasa_predict  # type: ignore[method-assign]


def uninstall() -> None:
    RasaModel._rasa_predict = _ORIGINAL  # type: ignore[method-assign]
