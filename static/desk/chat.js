// Desk behaviour: live chat.
// On /desk/chats/ ([data-live-chats]) and on the page of a ticket someone chats on
// ([data-live-ticket] with the chat strip, templates/desk/ticket/_chat.html), holds the
// agents' chat socket /ws/agents/chat/ (channels_inbox/consumers.py), which also makes
// this agent count as online for the visitors. Frames in: chat.started, chat.message,
// chat.typing {ticket, typing}; out: {type: "typing", ticket, typing}.
// - The board reloads (desk:chats-changed) when a chat starts or a visitor writes.
// - The ticket page shows "Eva is typing…", and tells the visitor when the agent types a
//   chat reply in the composer (never a note, nor a reply on another channel).
// - Waits tick every second, from the server's clock (data-server-now), not the browser's.
(function () {
  "use strict";
  var board = document.querySelector("[data-live-chats]");
  var page = document.querySelector("[data-live-ticket]");
  if (!board && !page) return;
  var lang = document.documentElement.lang || "en";

  // --- Waits ------------------------------------------------------------------------------
  var format = null;
  try {
    if (window.Intl && Intl.DurationFormat) format = new Intl.DurationFormat(lang, { style: "narrow" });
  } catch (err) {
    format = null;
  }
  function duration(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var parts = h ? { hours: h, minutes: m } : m ? { minutes: m, seconds: s } : { seconds: s };
    if (format) return format.format(parts);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + " h" : m + ":" + pad(s);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-wait-since]").forEach(function (el) {
      if (!el.dataset.offset) {
        var server = Date.parse(el.dataset.serverNow || "");
        el.dataset.offset = String(isNaN(server) ? 0 : server - now);
      }
      var since = Date.parse(el.dataset.waitSince);
      if (isNaN(since)) return;
      var seconds = Math.max(0, Math.floor((now + Number(el.dataset.offset) - since) / 1000));
      el.textContent = duration(seconds);
      var chip = el.closest(".chat-wait");
      if (chip) {
        chip.classList.toggle("long", seconds >= 120 && seconds < 300);
        chip.classList.toggle("longest", seconds >= 300);
      }
    });
  }
  tick();
  window.setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSettle", tick);

  // The board's own live region (#live-status is live.js's; two writers talk over each other).
  function announce(text) {
    var status = document.getElementById("chats-status");
    if (!status || !text) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function fire(name, detail) {
    document.body.dispatchEvent(new CustomEvent(name, { detail: detail || {} }));
  }

  // --- The socket ---------------------------------------------------------------------------
  var socket = null;
  var delay = 1000;
  var connected = false;
  // Like live.js's sockets: the body says whether this one is open (for styles and tests).
  function mark(state) {
    document.body.setAttribute("data-socket-chat", state);
  }
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }
  function connect() {
    if (socket) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/agents/chat/");
    socket.addEventListener("open", function () {
      mark("open");
      delay = 1000;
      if (connected && board) fire("desk:chats-changed"); // caught up after a gap
      connected = true;
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (board) onBoard(frame);
      if (chatTicket) onTicket(frame);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      mark("closed");
      if (event.code === 4403) return;
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  // --- The board ------------------------------------------------------------------------------
  var rowTyping = {};
  function onBoard(frame) {
    if (frame.type === "chat.started") {
      var name = frame.visitor || board.dataset.textVisitor || "";
      announce((board.dataset.textNewChat || "").replace("%(name)s", name));
    }
    if (frame.type === "chat.started" || frame.type === "chat.message") fire("desk:chats-changed", frame);
    if (frame.type === "chat.typing" && frame.ticket) {
      window.clearTimeout(rowTyping[frame.ticket]);
      showRowTyping(frame.ticket, frame.typing);
      if (frame.typing) rowTyping[frame.ticket] = window.setTimeout(function () { showRowTyping(frame.ticket, false); }, 30000);
    }
  }
  function showRowTyping(ticket, typing) {
    var el = board.querySelector('[data-typing-for="' + ticket + '"]');
    if (el) el.textContent = typing ? " · " + (board.dataset.textTyping || "") : "";
  }

  // --- A chat ticket's page ---------------------------------------------------------------------
  var chatTicket = null;
  var typingTimer = null;
  function onTicket(frame) {
    if (String(frame.ticket) !== chatTicket) return;
    if (frame.type === "chat.typing") {
      showTyping(frame.typing);
    } else if (frame.type === "chat.message" || frame.type === "chat.started") {
      showTyping(false); // what they typed has arrived
      fire("desk:chat-changed", frame);
    }
  }
  function showTyping(typing) {
    var strip = document.querySelector("[data-chat-ticket]");
    var line = document.getElementById("chat-typing");
    if (!strip || !line) return;
    window.clearTimeout(typingTimer);
    line.textContent = typing ? strip.dataset.textTyping || "" : "";
    // The widget says "stopped" after a pause; if that is lost (tab closed), stop anyway.
    if (typing) typingTimer = window.setTimeout(function () { line.textContent = ""; }, 30000);
  }

  // The agent's typing reaches the visitor only while the composer answers on the chat: not
  // for a note, not for a reply by email. The strip lists the visitor's chat identities.
  var agentTyping = false;
  var agentIdle = null;
  function agentTypes(typing) {
    if (!chatTicket) return;
    window.clearTimeout(agentIdle);
    if (typing) agentIdle = window.setTimeout(function () { agentTypes(false); }, 4000);
    if (typing === agentTyping) return;
    agentTyping = typing;
    send({ type: "typing", ticket: Number(chatTicket), typing: typing });
  }
  function answersOnChat(form) {
    var kind = form.querySelector("[data-composer-kind]");
    if (kind && kind.value === "note") return false;
    var strip = document.querySelector("[data-chat-ticket]");
    var ids = strip && strip.dataset.chatIdentities ? strip.dataset.chatIdentities.split(",") : [];
    var channel = form.querySelector("[data-composer-channel]");
    return !channel || ids.indexOf(channel.value) !== -1;
  }
  function composerOf(target) {
    var form = target && target.closest ? target.closest("form[data-composer]") : null;
    return form && form.dataset.ticket === chatTicket ? form : null;
  }

  function activate() {
    var strip = document.querySelector("[data-chat-ticket]");
    if (!strip) return;
    chatTicket = strip.dataset.chatTicket;
    connect();
  }

  if (page) {
    document.body.addEventListener("htmx:load", function (event) {
      if (event.target.matches && event.target.matches("[data-chat-ticket]")) activate();
    });
    activate();

    document.body.addEventListener("input", function (event) {
      var form = composerOf(event.target);
      if (!form || !event.target.matches("[data-composer-body]")) return;
      agentTypes(answersOnChat(form) && event.target.value.trim() !== "");
    });
    // Switching to a note or to another channel, sending, or the composer going idle: stop.
    document.body.addEventListener("change", function (event) {
      var form = composerOf(event.target);
      if (form && !answersOnChat(form)) agentTypes(false);
    });
    document.body.addEventListener("click", function (event) {
      var form = composerOf(event.target);
      if (form && event.target.closest("[data-mode]")) {
        window.setTimeout(function () { if (!answersOnChat(form)) agentTypes(false); }, 0);
      }
    });
    document.body.addEventListener("submit", function (event) {
      if (composerOf(event.target)) agentTypes(false);
    });
    document.body.addEventListener("desk:composing", function (event) {
      var detail = event.detail || {};
      if (!detail.composing && String(detail.ticket) === chatTicket) agentTypes(false);
    });
  }
  if (board) connect();
})();
