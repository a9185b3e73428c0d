"""Korean morphological analysers behind one interface, with spans into the original text."""
