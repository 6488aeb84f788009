// Desk behaviour: the notifications bell.
// - Listens on /ws/notifications/ (the agent's own feed) and fires `desk:notifications` on
//   <body>, which makes the bell's menu (hx-trigger) load: once the socket is open, on each
//   frame, and after a reconnect, so a notification made while it was down still shows.
// - On a ticket page, tells the server the agent opened it: its notifications are read.
// - Escape or a click elsewhere closes the menu; a refresh keeps focus where it was.
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  if (!bell) return;
  var items = document.getElementById("bell-items");
  var csrf = document.querySelector('meta[name="csrf-token"]');

  function announce(text) {
    var status = document.getElementById("bell-status");
    if (!status || !text) return;
    // Cleared first, so a second notification in a row is announced again.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function changed(frame) {
    document.body.dispatchEvent(new CustomEvent("desk:notifications", { detail: frame || {} }));
  }

  // Opening a ticket reads its notifications (the server then tells every tab to refresh).
  var ready = Promise.resolve();
  var ticket = document.querySelector("[data-live-ticket]");
  if (ticket && csrf && bell.dataset.readTicketUrl) {
    var url = bell.dataset.readTicketUrl.replace(/\/0\/read\/$/, "/" + ticket.dataset.liveTicket + "/read/");
    ready = fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf.content },
      credentials: "same-origin",
    }).catch(function () {});
  }

  // The menu first loads once the socket listens (and the ticket's notifications are read):
  // nothing made in between can be missed. Without a socket it loads after a few seconds.
  var loaded = false;
  function load() {
    ready.then(function () {
      loaded = true;
      changed({ event: "load" });
    });
  }
  window.setTimeout(function () { if (!loaded) load(); }, 3000);

  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.addEventListener("open", function () {
      document.body.setAttribute("data-socket-notifications", "open");
      delay = 1000;
      load(); // first time, or caught up after a gap
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
