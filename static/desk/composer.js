// Desk behaviour: the composer on the ticket page.
//
// - Reply | Note: buttons [data-mode] (also reached by the `r` / `n` shortcuts through
//   data-shortcut-action) set the hidden `kind`, restyle the form and focus the text.
// - The channel select shows that channel's messaging-window hint and the WhatsApp template
//   fields when only a template may go out.
// - Ctrl/Cmd+Enter sends. A refused send (409 someone answered meanwhile, 422 an error)
//   swaps the form back with the text kept; a sent one swaps in a cleared composer.
// - `desk:composing` {ticket, composing} on document.body when typing starts, and when the
//   composer is cleared or idle for 10 s.
// - Macros: a combobox filters the titles as one types (arrows, Enter, Escape); the pick
//   asks the server for the filled text (htmx) and inserts it at the cursor.
(function () {
  "use strict";

  var IDLE_MS = 10000;
  var composing = {}; // ticket id -> idle timer, while the agent is composing

  function formOf(el) {
    return el && el.closest ? el.closest("form[data-composer]") : null;
  }

  function emitComposing(ticket, state) {
    document.body.dispatchEvent(
      new CustomEvent("desk:composing", { detail: { ticket: Number(ticket), composing: state } })
    );
  }

  function stopComposing(ticket) {
    if (composing[ticket] === undefined) return;
    clearTimeout(composing[ticket]);
    delete composing[ticket];
    emitComposing(ticket, false);
  }

  function typing(form) {
    var ticket = form.dataset.ticket;
    var body = form.querySelector("[data-composer-body]");
    if (!body.value.trim()) {
      stopComposing(ticket);
      return;
    }
    if (composing[ticket] === undefined) emitComposing(ticket, true);
    clearTimeout(composing[ticket]);
    composing[ticket] = setTimeout(function () { stopComposing(ticket); }, IDLE_MS);
  }

  // --- Reply | Note, channel ---------------------------------------------------------------

  function setMode(form, mode) {
    var note = mode === "note";
    form.querySelector("[data-composer-kind]").value = note ? "note" : "reply";
    form.classList.toggle("is-note", note);
    form.querySelectorAll("[data-mode]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    });
    form.querySelectorAll("[data-label-reply]").forEach(function (b) {
      b.textContent = note ? b.dataset.labelNote : b.dataset.labelReply;
    });
    form.querySelectorAll("[data-note-only]").forEach(function (el) { el.hidden = !note; });
    var body = form.querySelector("[data-composer-body]");
    body.placeholder = note ? body.dataset.placeholderNote : body.dataset.placeholderReply;
    showChannel(form);
  }

  function showChannel(form) {
    var note = form.classList.contains("is-note");
    var select = form.querySelector("[data-composer-channel]");
    var option = select ? select.options[select.selectedIndex] : null;
    var chosen = option ? option.value : "";
    form.querySelectorAll("[data-reply-only]").forEach(function (el) {
      if (el.hasAttribute("data-window-for")) {
        el.hidden = note || el.getAttribute("data-window-for") !== chosen;
      } else if (el.hasAttribute("data-template-fields")) {
        var shown = !note && !!option && option.hasAttribute("data-template");
        el.hidden = !shown;
        el.disabled = !shown;
      } else {
        el.hidden = note;
      }
    });
  }

  document.addEventListener("click", function (event) {
    var modeButton = event.target.closest && event.target.closest("[data-mode]");
    var form = formOf(modeButton);
    if (modeButton && form) {
      setMode(form, modeButton.dataset.mode);
      form.querySelector("[data-composer-body]").focus();
      return;
    }
    var drop = event.target.closest && event.target.closest("[data-macro-drop]");
    if (drop) {
      var applied = drop.closest("[data-macro-applied]");
      if (applied) applied.remove();
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches) return;
    if (el.matches("[data-composer-channel]")) showChannel(formOf(el));
    if (el.matches("[data-composer-files]")) {
      var names = Array.prototype.map.call(el.files, function (f) { return f.name; });
      el.parentNode.querySelector("[data-file-names]").textContent = names.join(", ");
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-composer-body]")) {
      typing(formOf(event.target));
    }
  });

  document.addEventListener("keydown", function (event) {
    // shortcuts.js (loaded first) clicks Send and marks the event handled: never send twice.
    if (event.defaultPrevented) return;
    var form = formOf(event.target);
    if (!form || event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    event.stopPropagation();
    var send = form.querySelector('[data-shortcut-action="send"]');
    if (send && !send.disabled) form.requestSubmit(send);
  });

  // --- htmx: refusals swap in, a sent reply clears ----------------------------------------

  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    var ours = formOf(elt) || (elt.closest && elt.closest("form[data-call-form]"));
    var status = event.detail.xhr.status;
    if (ours && (status === 409 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    var form = formOf(elt);
    if (form && status === 200 && elt === form) stopComposing(form.dataset.ticket);
  });

  // htmx fires afterSwap on what it put in the page: the macro slot (innerHTML), or the new
  // form / call form (outerHTML).
  document.addEventListener("htmx:afterSwap", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("macro-slot")) {
      insertMacro(el);
      return;
    }
    if (!(el.matches && el.matches("form[data-composer]"))) return;
    showChannel(el);
    var problem = el.querySelector(".collision, .placeholders-missing, .form-error");
    if (!problem) {
      // Sent: htmx put the focus back in the emptied text by its id, where the next key
      // (`s` to solve) would be typed as text. Keep it in the composer, on its mode button.
      var emptied = el.querySelector("[data-composer-body]");
      var mode = el.querySelector('[data-mode][aria-pressed="true"]');
      if (document.activeElement === emptied && mode) mode.focus();
      return;
    }
    var target = problem.querySelector("[data-collision-send], input") || el.querySelector("[data-composer-body]");
    target.focus();
  });

  // --- Macros ---------------------------------------------------------------------------

  function insertMacro(slot) {
    var applied = slot.querySelector("[data-macro-text]");
    var form = formOf(slot);
    if (!applied || !form) return;
    var body = form.querySelector("[data-composer-body]");
    var text = applied.getAttribute("data-macro-text");
    var start = body.selectionStart;
    var end = body.selectionEnd;
    if (!body.value.trim()) {
      body.value = text;
      start = end = 0;
    } else {
      body.value = body.value.slice(0, start) + text + body.value.slice(end);
    }
    var missing = slot.querySelector(".placeholders-missing input");
    if (missing) {
      missing.focus();
    } else {
      body.focus();
      body.setSelectionRange(start + text.length, start + text.length);
    }
    typing(form);
  }

  function visibleOptions(list) {
    return Array.prototype.filter.call(list.querySelectorAll("[role=option]"), function (o) {
      return !o.hidden;
    });
  }

  function setActive(input, list, option) {
    list.querySelectorAll("[role=option]").forEach(function (o) {
      o.setAttribute("aria-selected", String(o === option));
      o.classList.toggle("is-active", o === option);
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function openList(input, list, open) {
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) setActive(input, list, null);
  }

  function filterList(input, list) {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    list.querySelectorAll("[role=option]").forEach(function (o) {
      var title = o.textContent.toLowerCase();
      o.hidden = !words.every(function (w) { return title.indexOf(w) !== -1; });
      if (!o.hidden) shown += 1;
    });
    list.querySelector(".macro-none").hidden = shown > 0;
    openList(input, list, true);
    setActive(input, list, visibleOptions(list)[0] || null);
  }

  function pickMacro(picker, option) {
    var input = picker.querySelector("[data-macro-input]");
    var list = picker.querySelector("[role=listbox]");
    openList(input, list, false);
    input.value = "";
    var url = picker.dataset.url + "?macro=" + encodeURIComponent(option.dataset.macro);
    window.htmx.ajax("GET", url, { target: picker.dataset.target, swap: "innerHTML" });
  }

  document.addEventListener("input", function (event) {
    if (!(event.target.matches && event.target.matches("[data-macro-input]"))) return;
    var picker = event.target.closest("[data-macro-picker]");
    filterList(event.target, picker.querySelector("[role=listbox]"));
  });

  document.addEventListener("keydown", function (event) {
    if (!(event.target.matches && event.target.matches("[data-macro-input]"))) return;
    var input = event.target;
    var picker = input.closest("[data-macro-picker]");
    var list = picker.querySelector("[role=listbox]");
    var options = visibleOptions(list);
    var current = list.querySelector(".is-active");
    var index = options.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) filterList(input, list);
      options = visibleOptions(list);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = options[(index + step + options.length) % Math.max(options.length, 1)];
      setActive(input, list, next || null);
    } else if (event.key === "Enter") {
      // Never submit the composer from the macro field.
      event.preventDefault();
      if (current && !list.hidden) pickMacro(picker, current);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      openList(input, list, false);
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("[data-macro-picker] [role=option]");
    if (option) {
      // Before the input's blur closes the list.
      event.preventDefault();
      pickMacro(option.closest("[data-macro-picker]"), option);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (!(event.target.matches && event.target.matches("[data-macro-input]"))) return;
    var list = event.target.closest("[data-macro-picker]").querySelector("[role=listbox]");
    openList(event.target, list, false);
  });
})();
