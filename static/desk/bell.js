// Desk behaviour: the notifications bell.
// - Listens on /ws/notifications/ (the agent's own feed) and fires `desk:notifications` on
//   <body>, which makes the bell's menu (hx-trigger) load again; after a reconnect too, so a
//   notification made while the socket was down still shows.
// - On a ticket page, tells the server the agent opened it: its notifications are read.
// - Escape or a click elsewhere closes the menu; a refresh keeps focus where it was.
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  if (!bell) return;
  var items = document.getElementById("bell-items");
  var csrf = document.querySelector('meta[name="csrf-token"]');

  function announce(text) {
    var status = document.getElementById("live-status");
    if (status && text) status.textContent = text;
  }

  function changed(frame) {
    document.body.dispatchEvent(new CustomEvent("desk:notifications", { detail: frame || {} }));
  }

  var delay = 1000;
  var everOpen = false;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.addEventListener("open", function () {
      document.body.setAttribute("data-socket-notifications", "open");
      delay = 1000;
      if (everOpen) changed({ event: "reconnected" });
      everOpen = true;
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (frame.event === "notification.created") announce(bell.dataset.textNew);
      changed(frame);
    });
    socket.addEventListener("close", function (event) {
      document.body.setAttribute("data-socket-notifications", "closed");
      if (event.code === 4403) return; // signed out: nothing to wait for
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  connect();

  // Opening a ticket reads its notifications (the server then tells every tab to refresh).
  var ticket = document.querySelector("[data-live-ticket]");
  if (ticket && csrf && bell.dataset.readTicketUrl) {
    var url = bell.dataset.readTicketUrl.replace(/\/0\/read\/$/, "/" + ticket.dataset.liveTicket + "/read/");
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf.content },
      credentials: "same-origin",
    }).catch(function () {});
  }

  function close() {
    if (!bell.open) return;
    bell.open = false;
    bell.querySelector("summary").focus();
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bell.open) close();
  });
  document.addEventListener("click", function (event) {
    if (bell.open && !bell.contains(event.target)) bell.open = false;
  });

  // A refresh while the agent is inside the menu: put focus back on the same notification.
  var focused = null;
  items.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    if (!active || !items.contains(active)) {
      focused = null;
      return;
    }
    var row = active.closest("[data-notification]");
    focused = { id: row ? row.dataset.notification : null };
  });
  items.addEventListener("htmx:afterSwap", function () {
    if (!focused) return;
    var row = focused.id && items.querySelector('[data-notification="' + focused.id + '"]');
    var target = row ? row.querySelector(".bell-link") : items.querySelector(".bell-link, button, a");
    focused = null;
    if (target) target.focus();
  });
})();
