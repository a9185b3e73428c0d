/* The handoff queue and one ticket: live updates by server-sent events, actions by POST with
   the session's CSRF token (window.minwon from console.js). Text is set with textContent only. */
"use strict";
(function () {
  const {post, stream, notice, el} = window.minwon;
  const WHO = {resident: "주민", bot: "챗봇", staff: "직원"};

  async function take(ticketId) {
    const answer = await post(`/console/handoff/${ticketId}/take`);
    if (answer.ok) window.location.assign(`/console/handoff/${ticketId}`);
  }

  function bindTake(root) {
    root.querySelectorAll("[data-take]").forEach((button) => {
      button.addEventListener("click", () => { button.disabled = true; take(button.dataset.take); });
    });
  }

  function queueRow(t) {
    const row = el("tr", {"data-ticket": t.ticket_id});
    if (t.escalated) row.className = "escalated";
    row.append(el("td", {"data-label": "채널"}, t.channel_name));
    const waited = el("td", {"data-label": "기다린 시간"}, t.waited + " ");
    if (t.escalated) waited.append(el("span", {class: "badge warn"}, "관리자 확인 필요"));
    row.append(waited);
    row.append(el("td", {"data-label": "사유"}, t.reason_name));
    row.append(el("td", {"data-label": "요약"}, t.summary));
    row.append(el("td", {"data-label": "상태"},
                  t.status_name + (t.assignee ? " · " + t.assignee : "")));
    const actions = el("div", {class: "actions"});
    if (t.status === "waiting") actions.append(el("button", {type: "button", "data-take": t.ticket_id}, "맡기"));
    actions.append(el("a", {class: "button secondary", href: `/console/handoff/${t.ticket_id}`}, "열기"));
    const cell = el("td");
    cell.append(actions);
    row.append(cell);
    return row;
  }

  function callbackItem(c) {
    const item = el("li", {"data-entry": String(c.entry_id)}, `상담 ${c.ticket_id}: ${c.text} `);
    const done = el("button", {type: "button", class: "secondary",
                               "data-callback-done": String(c.entry_id)}, "회신 완료");
    item.append(done);
    return item;
  }

  function bindCallbacks(root) {
    root.querySelectorAll("[data-callback-done]").forEach((button) => {
      button.addEventListener("click", async () => {
        button.disabled = true;
        const answer = await post(`/console/handoff/callbacks/${button.dataset.callbackDone}/done`);
        if (answer.ok) notice("회신 완료로 표시했어요.");
      });
    });
  }

  function initQueue() {
    const table = document.getElementById("queue");
    const rows = document.getElementById("queue-rows");
    const empty = document.getElementById("queue-empty");
    const callbacks = document.getElementById("callbacks");
    bindTake(rows);
    bindCallbacks(callbacks);
    stream(table.dataset.stream, {
      queue: (data) => {
        rows.replaceChildren(...data.tickets.map(queueRow));
        empty.hidden = data.tickets.length > 0;
        bindTake(rows);
        callbacks.replaceChildren(...(data.callbacks.length
          ? data.callbacks.map(callbackItem) : [el("li", {class: "empty"}, "남은 회신이 없어요.")]));
        bindCallbacks(callbacks);
      },
      logout: () => window.location.assign("/console/login?next=/console/handoff"),
    });
  }

  function initTicket() {
    const box = document.getElementById("ticket");
    const ticketId = box.dataset.ticket;
    const transcript = document.getElementById("transcript");
    const status = document.getElementById("ticket-status");
    let lastStatus = null;
    bindTake(document);
    stream(box.dataset.stream, {
      line: (line) => {
        const item = el("li", {class: line.speaker});
        item.append(el("span", {class: "who"}, WHO[line.speaker] || ""));
        item.append(document.createTextNode(line.text));
        transcript.append(item);
        transcript.scrollTop = transcript.scrollHeight;
      },
      status: (state) => {
        if (!state) return;
        status.textContent = state.status_name;
        if (lastStatus !== null && lastStatus !== state.status) {
          notice(state.status === "resolved" ? "이 상담은 끝났어요." : "상담 상태가 바뀌었어요.");
        }
        lastStatus = state.status;
      },
      logout: () => window.location.assign("/console/login?next=" + encodeURIComponent(location.pathname)),
    });
    const form = document.getElementById("reply-form");
    if (form) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const text = document.getElementById("reply-text");
        if (!text.value.trim()) return;
        const button = form.querySelector("button");
        button.disabled = true;
        const answer = await post(`/console/handoff/${ticketId}/reply`, {text: text.value});
        button.disabled = false;
        if (answer.ok) {
          text.value = "";
          notice("보냈어요: " + answer.body.delivery_name);
        }
      });
    }
    const note = () => (document.getElementById("close-note") || {value: ""}).value;
    const closeWith = (id, path, done) => {
      const button = document.getElementById(id);
      if (!button) return;
      button.addEventListener("click", async () => {
        button.disabled = true;
        const answer = await post(`/console/handoff/${ticketId}/${path}`, {note: note()});
        button.disabled = false;
        if (answer.ok) {
          notice(done);
          document.getElementById("ticket-actions").replaceChildren(
            el("a", {class: "button", href: "/console/handoff"}, "대기열로 돌아가기"));
          if (form) form.remove();
        }
      });
    };
    closeWith("hand-back", "handback", "챗봇에게 돌려줬어요. 주민의 다음 메시지에 챗봇이 답해요.");
    closeWith("resolve", "resolve", "해결 완료로 닫았어요.");
    const reassign = document.getElementById("reassign");
    if (reassign) {
      reassign.addEventListener("click", async () => {
        const answer = await post(`/console/handoff/${ticketId}/reassign`);
        if (answer.ok) window.location.reload();
      });
    }
  }

  const kind = document.body.dataset.page;
  if (kind === "handoff-queue") initQueue();
  if (kind === "handoff-ticket") initTicket();
})();
