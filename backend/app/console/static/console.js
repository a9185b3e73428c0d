/* The console's shared script: CSRF-carrying requests, notices, live updates (server-sent
   events). Page scripts call these through window.minwon. No inline script runs (CSP). */
"use strict";
(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  function notice(text, bad) {
    const box = document.getElementById("notice");
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("bad", Boolean(bad));
    box.hidden = !text;
  }

  /* POST JSON with the session's CSRF token; resolves to {ok, status, body}. */
  async function post(url, body) {
    let answer;
    try {
      answer = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf(),
                  "Accept": "application/json"},
        body: JSON.stringify(body || {}),
      });
    } catch (e) {
      notice("서버에 연결하지 못했어요. 잠시 뒤 다시 해 주세요.", true);
      return {ok: false, status: 0, body: {}};
    }
    if (answer.status === 401) {
      window.location.assign("/console/login?next=" + encodeURIComponent(location.pathname));
      return {ok: false, status: 401, body: {}};
    }
    let parsed = {};
    try { parsed = await answer.json(); } catch (e) { parsed = {}; }
    if (!answer.ok) notice(parsed.detail || "요청을 처리하지 못했어요.", true);
    return {ok: answer.ok, status: answer.status, body: parsed};
  }

  /* Follow a server-sent event stream: handlers maps event names to functions of parsed data. */
  function stream(url, handlers) {
    const source = new EventSource(url, {withCredentials: true});
    Object.entries(handlers).forEach(([name, fn]) => {
      source.addEventListener(name, (ev) => fn(JSON.parse(ev.data)));
    });
    source.addEventListener("error", () => {
      /* EventSource reconnects by itself; a lost session shows as a login redirect on reload */
    });
    return source;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  window.minwon = {csrf, notice, post, stream, el};
})();
