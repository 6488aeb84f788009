/*
 * Helpdesk live chat widget.
 *
 * Embed with one tag on any page of a website on the widget's allowed origins:
 *
 *   <script src="https://HOST/static/chat/widget.js" data-widget="KEY" async></script>
 *
 * Optional: data-lang="nl" (else the page's ?lang=, else the browser's language).
 *
 * The server is wherever this file was loaded from. The widget fetches its config and texts
 * from /chat/KEY/config, then talks JSON over the websocket /ws/chat/KEY/ (the protocol is
 * documented at the top of channels_inbox/consumers.py). The conversation token and any
 * message not yet acknowledged are kept in localStorage, so a reload or a dropped connection
 * resumes the conversation and resends what was not stored, under the same client message
 * id: the server stores each message once.
 *
 * Hand-written, no dependencies. The UI lives in a shadow root so the host page's styles
 * and ours never mix. Text from the network is only ever set as textContent.
 */
(function () {
  "use strict";

  var script =
    document.currentScript ||
    document.querySelector('script[data-widget][src*="chat/widget.js"]');
  if (!script) {
    return;
  }
  var widgetKey = script.getAttribute("data-widget");
  var server = new URL(script.src, window.location.href).origin;
  var storageKey = "helpdesk-chat:" + server + ":" + widgetKey;
  var pageLang = new URLSearchParams(window.location.search).get("lang");
  var language = script.getAttribute("data-lang") || pageLang || navigator.language || "en";
  // The visitor's own time zone, so "a person will answer by …" reads in their time.
  var timeZone = "";
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    timeZone = "";
  }

  var RECONNECT_MAX_MS = 15000;
  var TYPING_IDLE_MS = 2500;
  var PING_MS = 25000;

  // --- State kept across reloads -------------------------------------------------------

  function loadState() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "{}");
      return {
        token: saved.token || "",
        started: !!saved.started,
        name: saved.name || "",
        email: saved.email || "",
        open: !!saved.open,
        pending: Array.isArray(saved.pending) ? saved.pending : [],
      };
    } catch (e) {
      return { token: "", started: false, name: "", email: "", open: false, pending: [] };
    }
  }

  var state = loadState();

  function saveState() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (e) {
      // Private mode or a full quota: the chat still works, it just does not survive a reload.
    }
  }

  function newClientId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  // --- UI --------------------------------------------------------------------------------

  var STYLE = [
    ":host { all: initial; }",
    ".hd { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;",
    "  font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1f2430; }",
    ".launcher { border: 0; border-radius: 24px; padding: 12px 20px; background: #2455c3;",
    "  color: #fff; font: inherit; font-weight: 600; cursor: pointer;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.2); }",
    ".badge { display: inline-block; min-width: 8px; height: 8px; margin-left: 8px;",
    "  border-radius: 4px; background: #ffcf33; vertical-align: middle; }",
    ".panel { width: 340px; max-width: calc(100vw - 40px); height: 480px;",
    "  max-height: calc(100vh - 40px); display: flex; flex-direction: column; background: #fff;",
    "  border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; }",
    ".head { background: #2455c3; color: #fff; padding: 12px 14px; display: flex;",
    "  align-items: center; justify-content: space-between; font-weight: 600; }",
    ".head button { border: 0; background: transparent; color: #fff; font-size: 20px;",
    "  cursor: pointer; line-height: 1; }",
    ".status { padding: 8px 14px; font-size: 12px; background: #f1f4fb; color: #4a5163; }",
    ".status.offline { background: #fff6e0; color: #6b5200; }",
    ".replies { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }",
    ".reply { border: 1px solid #2455c3; background: #fff; color: #2455c3; border-radius: 12px;" +
      " padding: 2px 8px; font: inherit; font-size: 12px; cursor: pointer; }",
    ".reply.chosen { background: #2455c3; color: #fff; }",
    ".reply:disabled { cursor: default; }",
    ".log { flex: 1; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column;",
    "  gap: 8px; }",
    ".msg { max-width: 80%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap;",
    "  word-wrap: break-word; }",
    ".msg.visitor { align-self: flex-end; background: #2455c3; color: #fff;",
    "  border-bottom-right-radius: 3px; }",
    ".msg.agent { align-self: flex-start; background: #eef0f4; border-bottom-left-radius: 3px; }",
    ".msg .who { display: block; font-size: 11px; font-weight: 600; opacity: .75; }",
    ".msg .note { display: block; font-size: 11px; opacity: .8; margin-top: 2px; }",
    ".msg.pending { opacity: .7; }",
    ".typing { min-height: 18px; padding: 0 14px 4px; font-size: 12px; color: #6a7184;",
    "  font-style: italic; }",
    "form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e3e6ee; }",
    "form.prechat { flex-direction: column; border-top: 0; padding: 14px; }",
    "input, textarea { font: inherit; border: 1px solid #c9cedb; border-radius: 8px;",
    "  padding: 8px; color: inherit; background: #fff; }",
    "textarea { flex: 1; resize: none; height: 38px; }",
    "form button { border: 0; border-radius: 8px; padding: 8px 14px; background: #2455c3;",
    "  color: #fff; font: inherit; font-weight: 600; cursor: pointer; }",
    ".error { color: #a3261b; font-size: 12px; min-height: 16px; }",
    "[hidden] { display: none !important; }",
  ].join("\n");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") {
        node.textContent = attrs[name];
      } else {
        node.setAttribute(name, attrs[name]);
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(child);
    });
    return node;
  }

  var ui = {};
  var texts = {};
  var config = null;

  function buildUi() {
    var host = el("div", { id: "helpdesk-chat", "data-widget": widgetKey });
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style", { text: STYLE }));

    ui.badge = el("span", { class: "badge", hidden: "" });
    ui.launcher = el("button", { class: "launcher", type: "button", part: "launcher" }, [
      el("span", { text: texts.open }),
      ui.badge,
    ]);
    ui.close = el("button", { type: "button", "aria-label": texts.close, text: "×" });
    ui.status = el("div", { class: "status", role: "status" });
    ui.log = el("div", { class: "log", role: "log", "aria-live": "polite" });
    ui.typing = el("div", { class: "typing" });

    ui.name = el("input", { type: "text", name: "name", autocomplete: "name",
      placeholder: texts.name, "aria-label": texts.name });
    ui.email = el("input", { type: "email", name: "email", autocomplete: "email",
      placeholder: texts.email, "aria-label": texts.email });
    ui.prechatError = el("div", { class: "error" });
    ui.prechat = el("form", { class: "prechat" }, [
      el("div", { text: texts.offline_email }),
      ui.name,
      ui.email,
      ui.prechatError,
      el("button", { type: "submit", text: texts.start }),
    ]);

    ui.input = el("textarea", { name: "message", rows: "1", placeholder: texts.placeholder,
      "aria-label": texts.placeholder });
    ui.composer = el("form", { class: "composer" }, [
      ui.input,
      el("button", { type: "submit", text: texts.send }),
    ]);

    ui.panel = el("div", { class: "panel", role: "dialog", "aria-label": texts.title, hidden: "" }, [
      el("div", { class: "head" }, [el("span", { text: texts.title }), ui.close]),
      ui.status,
      ui.log,
      ui.typing,
      ui.prechat,
      ui.composer,
    ]);
    root.appendChild(el("div", { class: "hd" }, [ui.launcher, ui.panel]));
    document.body.appendChild(host);

    ui.launcher.addEventListener("click", function () {
      setOpen(true);
    });
    ui.close.addEventListener("click", function () {
      setOpen(false);
    });
    ui.prechat.addEventListener("submit", onPrechat);
    ui.composer.addEventListener("submit", function (event) {
      event.preventDefault();
      sendText(ui.input.value);
    });
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        sendText(ui.input.value);
      }
    });
    ui.input.addEventListener("input", onTyping);
  }

  function needsPrechat() {
    return config.prechat_form && !state.started && !state.token;
  }

  function setOpen(open) {
    state.open = open;
    saveState();
    ui.panel.hidden = !open;
    ui.launcher.hidden = open;
    if (!open) {
      return;
    }
    ui.badge.hidden = true;
    ui.prechat.hidden = !needsPrechat();
    ui.composer.hidden = needsPrechat();
    if (!needsPrechat()) {
      connect();
      ui.input.focus();
    }
  }

  function showPresence(online) {
    ui.status.textContent = online ? texts.online : texts.offline;
    ui.status.className = online ? "status" : "status offline";
  }

  function onPrechat(event) {
    event.preventDefault();
    state.name = ui.name.value.trim();
    state.email = ui.email.value.trim();
    state.started = true;
    saveState();
    ui.prechat.hidden = true;
    ui.composer.hidden = false;
    connect();
    ui.input.focus();
  }

  // --- Messages in the log ---------------------------------------------------------------

  var shown = {}; // server id or "c:" + client id → bubble

  function bubble(message, pending) {
    var who = message.from === "agent" ? message.author || texts.agent : texts.you;
    var note = el("span", { class: "note", text: pending ? texts.sending : "" });
    var node = el("div", { class: "msg " + (message.from === "agent" ? "agent" : "visitor") }, [
      el("span", { class: "who", text: who }),
      document.createTextNode(message.text),
      note,
    ]);
    node.note = note;
    if (pending) {
      node.classList.add("pending");
    }
    ui.log.appendChild(node);
    ui.log.scrollTop = ui.log.scrollHeight;
    return node;
  }

  function showMessage(message) {
    if (message.id && shown[message.id]) {
      return;
    }
    var byClient = message.client_id && shown["c:" + message.client_id];
    if (byClient) {
      markStored(byClient, message.id);
      return;
    }
    var node = bubble(message, false);
    if (message.quick_replies && message.quick_replies.length) {
      quickReplies(node, message.quick_replies);
    }
    shown[message.id] = node;
    if (message.client_id) {
      shown["c:" + message.client_id] = node;
    }
    if (message.from === "agent" && ui.panel.hidden) {
      ui.badge.hidden = false;
    }
  }

  // Buttons under a question we asked (a satisfaction rating): one press answers it; the
  // answer goes back as an "answer" frame and is never a chat message.
  function quickReplies(node, replies) {
    var row = el("div", { class: "replies" });
    replies.forEach(function (reply) {
      var button = el("button", { type: "button", class: "reply", text: reply.title });
      button.addEventListener("click", function () {
        Array.prototype.forEach.call(row.children, function (other) {
          other.disabled = true;
        });
        button.classList.add("chosen");
        send({ type: "answer", payload: reply.payload });
      });
      row.appendChild(button);
    });
    node.appendChild(row);
  }

  function markStored(node, serverId) {
    node.classList.remove("pending");
    node.note.textContent = "";
    if (serverId) {
      shown[serverId] = node;
    }
  }

  // --- The websocket ---------------------------------------------------------------------

  var socket = null;
  var inSession = false;
  var retries = 0;
  var reconnectTimer = null;
  var resendTimer = null;
  var pingTimer = null;
  var refused = false;

  function connect() {
    if (socket || refused) {
      return;
    }
    var url = server.replace(/^http/, "ws") + config.websocket;
    socket = new WebSocket(url);
    socket.addEventListener("open", function () {
      retries = 0;
      send({
        type: "hello",
        token: state.token,
        name: state.name,
        email: state.email,
        language: config.language,
        time_zone: timeZone,
      });
      pingTimer = window.setInterval(function () {
        send({ type: "ping" });
      }, PING_MS);
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      var handler = handlers[frame.type];
      if (handler) {
        handler(frame);
      }
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      inSession = false;
      window.clearInterval(pingTimer);
      if (event.code === 4403 || event.code === 4404) {
        // This page may not use the widget (or it was switched off): do not hammer the server.
        refused = true;
        return;
      }
      ui.typing.textContent = texts.reconnecting;
      var delay = Math.min(RECONNECT_MAX_MS, 1000 * Math.pow(2, retries++));
      reconnectTimer = window.setTimeout(connect, delay);
    });
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function resendPending() {
    window.clearTimeout(resendTimer);
    state.pending.forEach(function (item) {
      send({ type: "message", id: item.id, text: item.text });
    });
  }

  function sendText(raw) {
    var text = raw.trim();
    if (!text) {
      return;
    }
    var item = { id: newClientId(), text: text };
    state.pending.push(item);
    saveState();
    ui.input.value = "";
    stopTyping();
    shown["c:" + item.id] = bubble({ from: "visitor", text: text }, true);
    if (inSession) {
      send({ type: "message", id: item.id, text: text });
    } else {
      connect();
    }
  }

  var handlers = {
    session: function (frame) {
      inSession = true;
      ui.typing.textContent = "";
      if (frame.token !== state.token) {
        state.token = frame.token;
        saveState();
      }
      frame.history.forEach(showMessage);
      // Unacknowledged messages from before a reload: shown as pending, then sent again.
      state.pending.forEach(function (item) {
        if (!shown["c:" + item.id]) {
          shown["c:" + item.id] = bubble({ from: "visitor", text: item.text }, true);
        }
      });
      showPresence(frame.agents_online);
      resendPending();
    },
    ack: function (frame) {
      state.pending = state.pending.filter(function (item) {
        return item.id !== frame.id;
      });
      saveState();
      var node = shown["c:" + frame.id];
      if (node) {
        markStored(node, frame.message);
      }
    },
    message: function (frame) {
      ui.typing.textContent = "";
      showMessage(frame.message);
      if (frame.message && frame.message.from === "agent") {
        // Someone is answering right now, whatever the agents' chat sockets say.
        showPresence(true);
      }
    },
    typing: function (frame) {
      ui.typing.textContent = frame.typing
        ? texts.typing.replace("%(name)s", frame.name || texts.agent)
        : "";
    },
    presence: function (frame) {
      showPresence(frame.agents_online);
    },
    error: function (frame) {
      if (frame.code === "invalid_email") {
        // Back to the form: the address was refused before any conversation started.
        state.started = false;
        state.email = "";
        saveState();
        ui.prechat.hidden = false;
        ui.composer.hidden = true;
        ui.prechatError.textContent = texts.invalid_email;
        if (socket) {
          socket.close(1000);
        }
        return;
      }
      if (frame.code === "rate_limited") {
        var node = shown["c:" + frame.id];
        if (node) {
          node.note.textContent = texts.rate_limited;
        }
        window.clearTimeout(resendTimer);
        resendTimer = window.setTimeout(resendPending, 1000 * (frame.retry_after || 10));
        return;
      }
      if (frame.id) {
        // A message the server will never take (empty, too long): stop resending it.
        state.pending = state.pending.filter(function (item) {
          return item.id !== frame.id;
        });
        saveState();
      }
    },
  };

  // --- Typing ----------------------------------------------------------------------------

  var typingSent = false;
  var typingTimer = null;

  function onTyping() {
    if (!typingSent && inSession) {
      typingSent = send({ type: "typing", typing: true });
    }
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    window.clearTimeout(typingTimer);
    if (typingSent) {
      send({ type: "typing", typing: false });
      typingSent = false;
    }
  }

  // --- Start -----------------------------------------------------------------------------

  function start(loaded) {
    config = loaded;
    texts = loaded.texts;
    buildUi();
    showPresence(loaded.agents_online);
    if (state.token || state.pending.length) {
      // A conversation is under way: reconnect at once so replies arrive even while closed.
      connect();
    }
    if (state.open) {
      setOpen(true);
    }
  }

  function load() {
    var url = server + "/chat/" + encodeURIComponent(widgetKey) + "/config?lang=" +
      encodeURIComponent(language) + "&tz=" + encodeURIComponent(timeZone);
    window
      .fetch(url, { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("chat widget config: HTTP " + response.status);
        }
        return response.json();
      })
      .then(start)
      .catch(function (error) {
        if (window.console) {
          window.console.warn("helpdesk chat widget not started:", error);
        }
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", load);
  } else {
    load();
  }
})();
