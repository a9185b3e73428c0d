/* The delivery board's countdown to each 3-hour deadline, ticking every second. The server's
   time is on the page (data-server-now), so a PC or phone with a wrong clock still counts right.
   The board reloads every minute while nobody is typing, so new orders appear. */
"use strict";
(function () {
  const summary = document.querySelector("[data-server-now]");
  if (!summary) return;
  const skew = Date.parse(summary.dataset.serverNow) - Date.now();
  const pad = (n) => String(n).padStart(2, "0");

  function words(seconds) {
    const s = Math.abs(Math.trunc(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + "시간 " : "") + pad(m) + "분 " + pad(r) + "초";
  }

  function tick() {
    const now = Date.now() + skew;
    document.querySelectorAll(".ops-countdown[data-deadline]").forEach((el) => {
      const card = el.closest(".ops-delivery");
      const left = (Date.parse(el.dataset.deadline) - now) / 1000;
      const open = !card || !card.querySelector(".ops-status-delivered, .ops-status-failed");
      if (!open) return;
      el.textContent = left >= 0 ? words(left) + " 남음" : words(left) + " 지남";
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 30 * 60);
      if (card) card.classList.toggle("overdue", left < 0);
    });
  }

  tick();
  setInterval(tick, 1000);
  setInterval(() => {
    const typing = Array.from(document.querySelectorAll("textarea, input[type=text]"))
      .some((f) => f.value.trim() !== "" || f === document.activeElement);
    if (!typing) window.location.reload();
  }, 60000);
})();
