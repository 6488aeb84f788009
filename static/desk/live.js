// Desk behaviour: live updates and presence.
//
// Sockets (reopened with back-off; 4403/4404 mean "not for you" and are not retried):
// - `/ws/tickets/` on the list (and on other pages with the views column): every ticket
//   event becomes `desk:queue-changed` (list rows) and, at most once a second, `desk:counts`.
// - `/ws/tickets/<id>/` on a ticket page: each event becomes `desk:ticket-changed` with
//   `detail: {ticket, event, data}`; a reconnect sends one with event "reconnected", since
//   events may have been missed meanwhile. A ticket page does not hold the whole feed too
//   (every agent's feed socket costs a send per event): its counts follow this ticket's
//   events and a refresh once a minute.
// - `/ws/desk/presence/<id>/` on a ticket page: while it is open this agent is "viewing";
//   `desk:composing` (from the composer) makes them "replying"; pinged every 20 s.
// `presence.changed` events refresh `#presence` and the rows' `span.viewers` from the server,
// which renders them (`desk/views/live.py`). `#live-status` gets a short sentence for a new
// message or a new row, never for presence or counts (those have their own regions).
(() => {
  "use strict";

  const body = document.body;
  if (!body || !body.classList.contains("desk")) return;
  const me = body.dataset.user || "";
  const queue = document.querySelector("[data-live-queue]");
  const ticketEl = document.querySelector("[data-live-ticket]");
  const ticketId = ticketEl ? Number(ticketEl.dataset.liveTicket) : 0;
  const PRESENCE = "presence.changed";
  // Events that change neither a row nor a count: no refresh for them.
  const QUIET = new Set([PRESENCE, "chat.typing", "message.delivery", "message.attachments"]);
  const PING_MS = 20000;
  const REFRESH_MS = 60000;

  const fire = (name, detail) => body.dispatchEvent(new CustomEvent(name, { detail }));

  // Runs `fn` `ms` after the first call, with the last call's arguments, then waits for the
  // next call: at most once per `ms` however fast the calls come (a debounce would never run
  // while a busy desk sends events faster than its delay).
  const throttle = (fn, ms) => {
    let timer = 0;
    let last = [];
    return (...args) => {
      last = args;
      if (timer) return;
      timer = setTimeout(() => { timer = 0; fn(...last); }, ms);
    };
  };

  // --- #live-status: the few things worth saying aloud ---------------------------------
  let texts = null;
  const textsReady = () => {
    if (!texts) {
      const lang = encodeURIComponent(document.documentElement.lang || "en");
      texts = fetch(`/desk/live/texts/?lang=${lang}`, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : {}))
        .catch(() => ({}));
    }
    return texts;
  };
  let said = [];
  const flush = throttle(() => {
    const region = document.getElementById("live-status");
    if (region && said.length) {
      // Cleared first, so the same sentence twice in a row is announced twice.
      region.textContent = "";
      const text = [...new Set(said)].join(" ");
      setTimeout(() => { region.textContent = text; }, 50);
    }
    said = [];
  }, 600);
  const say = (key, params) => {
    textsReady().then((t) => {
      let text = t[key];
      if (!text) return;
      for (const [name, value] of Object.entries(params || {})) {
        text = text.replace(`%(${name})s`, value);
      }
      said.push(text);
      flush();
    });
  };

  // This agent's own writes come back as events too; do not announce them to their author.
  let lastWrite = 0;
  body.addEventListener("htmx:beforeRequest", (e) => {
    const verb = e.detail && e.detail.requestConfig && e.detail.requestConfig.verb;
    if (verb && verb !== "get") lastWrite = Date.now();
  });
  body.addEventListener("submit", (e) => {
    if ((e.target.method || "").toLowerCase() === "post") lastWrite = Date.now();
  });
  const mine = () => Date.now() - lastWrite < 5000;

  // --- Sockets ---------------------------------------------------------------------------
  // `name` marks the body with the socket's state (`data-socket-feed="open"`…): a hook for
  // styles and for tests that must know the page listens before acting.
  const socket = (name, path, { onFrame, onOpen, onReconnect, ping, speaks }) => {
    let ws = null;
    let tries = 0;
    let retry = 0;
    let pinger = 0;
    let opened = false;
    let stopped = false;
    let downSince = 0;
    let toldDown = false;
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;

    const send = (frame) => {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    };
    const later = () => {
      if (stopped) return;
      // 1 s, 2 s, 4 s … 30 s, with jitter so a restarted server is not hit all at once.
      const delay = Math.min(30000, 1000 * 2 ** tries) * (0.8 + Math.random() * 0.4);
      tries += 1;
      clearTimeout(retry);
      retry = setTimeout(open, delay);
      if (speaks && !toldDown && downSince && Date.now() - downSince > 8000) {
        toldDown = true;
        say("offline");
      }
    };
    const open = () => {
      if (stopped || (ws && ws.readyState <= WebSocket.OPEN)) return;
      ws = new WebSocket(url);
      ws.addEventListener("open", () => {
        body.setAttribute(`data-socket-${name}`, "open");
        tries = 0;
        downSince = 0;
        if (toldDown) say("online");
        toldDown = false;
        if (ping) pinger = setInterval(() => send({ type: "ping" }), ping);
        if (onOpen) onOpen(send);
        if (opened && onReconnect) onReconnect();
        opened = true;
      });
      ws.addEventListener("message", (e) => {
        let frame = null;
        try { frame = JSON.parse(e.data); } catch (_err) { return; }
        if (frame && onFrame) onFrame(frame);
      });
      ws.addEventListener("close", (e) => {
        body.setAttribute(`data-socket-${name}`, "closed");
        clearInterval(pinger);
        ws = null;
        if (e.code === 4403 || e.code === 4404) stopped = true;  // not ours to see
        if (!downSince) downSince = Date.now();
        later();
      });
    };
    // Closed on purpose when the page goes away (the others see the agent leave at once),
    // opened again if the browser brings the page back from its cache.
    window.addEventListener("pagehide", () => {
      stopped = true;
      clearTimeout(retry);
      if (ws) ws.close(1000);
    });
    window.addEventListener("pageshow", (e) => {
      if (e.persisted) { stopped = false; tries = 0; open(); }
    });
    window.addEventListener("online", () => { tries = 0; if (!ws) open(); });
    open();
    return { send, ping: () => send({ type: "ping" }) };
  };

  // --- Presence on list rows ---------------------------------------------------------------
  const spans = () => document.querySelectorAll(".viewers[data-viewers-for]");
  const pending = new Set();
  const loadViewers = (ids) => {
    if (!ids.length) return;
    for (const id of ids) {
      for (const span of document.querySelectorAll(`.viewers[data-viewers-for="${id}"]`)) {
        span.dataset.live = "1";
      }
    }
    fetch(`/desk/live/viewers/?ids=${ids.join(",")}`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((html) => {
        const holder = document.createElement("template");
        holder.innerHTML = html;
        for (const part of holder.content.querySelectorAll("template[data-for]")) {
          const id = part.dataset.for;
          for (const span of document.querySelectorAll(`.viewers[data-viewers-for="${id}"]`)) {
            if (span.innerHTML !== part.innerHTML) span.innerHTML = part.innerHTML;
          }
        }
      })
      .catch(() => {});
  };
  const viewersSoon = throttle(() => {
    loadViewers([...pending]);
    pending.clear();
  }, 250);
  const viewersFor = (id) => {
    if (document.querySelector(`.viewers[data-viewers-for="${Number(id)}"]`)) {
      pending.add(Number(id));
      viewersSoon();
    }
  };
  const allViewers = () => {
    for (const span of spans()) pending.add(Number(span.dataset.viewersFor));
    viewersSoon();
  };

  // --- Presence on the ticket page --------------------------------------------------------
  const presenceBox = document.getElementById("presence");
  const loadPresence = throttle(() => {
    const url = presenceBox && presenceBox.dataset.presenceUrl;
    if (!url) return;
    fetch(url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : null))
      .then((html) => {
        // Only a real change is swapped in: the region is polite, and each swap is read out.
        if (html !== null && presenceBox.innerHTML.trim() !== html.trim()) {
          presenceBox.innerHTML = html;
        }
      })
      .catch(() => {});
  }, 150);

  // --- The list and the views column -----------------------------------------------------
  const rows = document.getElementById("queue-rows");
  const rowIds = () =>
    new Set([...document.querySelectorAll("li.row[data-ticket]")].map((li) => li.dataset.ticket));
  let known = rowIds();
  let liveRefresh = false;
  const counts = throttle(() => fire("desk:counts", {}), 1000);
  // Throttled too: the rows' own `delay:400ms` waits for a quiet moment, which a steady
  // stream of events would never leave.
  const queueChanged = throttle((detail) => fire("desk:queue-changed", detail), 1000);

  if (queue || (!ticketId && document.getElementById("views-nav"))) {
    socket("feed", "/ws/tickets/", {
      onFrame: (frame) => {
        if (frame.event === PRESENCE) {
          if (String((frame.data || {}).user) !== me) viewersFor(frame.ticket);
          return;
        }
        if (QUIET.has(frame.event)) return;
        if (queue) {
          liveRefresh = true;
          queueChanged({ ticket: frame.ticket, event: frame.event, data: frame.data || {} });
        }
        counts();
      },
      onReconnect: () => {
        if (queue) fire("desk:queue-changed", { ticket: null, event: "reconnected", data: {} });
        counts();
        allViewers();
      },
      speaks: Boolean(queue),
    });
  }

  const announceNewRows = () => {
    const now = rowIds();
    const added = [...now].filter((id) => !known.has(id));
    for (const id of now) known.add(id);
    if (!added.length || mine()) return;
    if (added.length > 1) {
      say("newRows");
      return;
    }
    const link = document.querySelector(`li.row[data-ticket="${added[0]}"] .row-link`);
    say("newRow", { ticket: link ? link.textContent.replace(/\s+/g, " ").trim() : `#${added[0]}` });
  };

  body.addEventListener("htmx:afterSettle", (e) => {
    if (!queue) return;
    if (rows && e.detail && e.detail.target === rows && liveRefresh) {
      liveRefresh = false;
      announceNewRows();
    } else {
      known = new Set([...known, ...rowIds()]);
    }
    // Rows rendered by this swap (a refresh, the next page) come with empty spans.
    for (const span of spans()) {
      if (!span.dataset.live) pending.add(Number(span.dataset.viewersFor));
    }
    if (pending.size) viewersSoon();
  });

  // --- The ticket page ---------------------------------------------------------------------
  if (ticketId) {
    socket("ticket", `/ws/tickets/${ticketId}/`, {
      onFrame: (frame) => {
        const data = frame.data || {};
        if (frame.event === PRESENCE) {
          if (String(data.user) !== me) loadPresence();
          return;
        }
        if (frame.event === "chat.typing") {
          fire("desk:chat-typing", { ticket: frame.ticket, data });
          return;
        }
        fire("desk:ticket-changed", { ticket: frame.ticket, event: frame.event, data });
        if (!QUIET.has(frame.event)) counts();
        // The timeline says what arrived in its own region once it has fetched it; saying it
        // here as well would be said twice.
        if (mine() || document.getElementById("timeline-news")) return;
        if (frame.event === "message.created") say("newMessage");
        else if (frame.event === "ticket.updated" && "status" in data) say("status");
        else if (frame.event === "ticket.updated" && "assignee" in data) say("assignee");
      },
      onReconnect: () => {
        fire("desk:ticket-changed", { ticket: ticketId, event: "reconnected", data: {} });
        loadPresence();
      },
      speaks: true,
    });

    let composing = false;
    const presence = socket("presence", `/ws/desk/presence/${ticketId}/`, {
      ping: PING_MS,
      onOpen: (send) => { if (composing) send({ type: "composing", composing: true }); },
    });
    body.addEventListener("desk:composing", (e) => {
      const detail = e.detail || {};
      if (Number(detail.ticket) !== ticketId) return;
      const now = Boolean(detail.composing);
      if (now === composing) return;
      composing = now;
      presence.send({ type: "composing", composing: now });
    });
    document.addEventListener("visibilitychange", () => {
      // A hidden tab's timers are slowed down; coming back says "still here" at once.
      if (document.visibilityState === "visible") presence.ping();
    });
  }

  // Entries that expired without a word (a crashed browser elsewhere) disappear here too.
  const refresh = () => {
    if (presenceBox) loadPresence();
    if (queue) allViewers();
  };
  const minutely = () => {
    refresh();
    if (ticketId) counts();
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
  setInterval(() => { if (document.visibilityState === "visible") minutely(); }, REFRESH_MS);
  refresh();
})();
