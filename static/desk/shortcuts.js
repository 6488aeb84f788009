// Desk behaviour: keyboard shortcuts (UI.md "Keyboard"; the `?` dialog lists them all).
//
// In the list (`li.row` with `a.row-link`): j/k move the current row, Enter opens it, x picks
// it. Anywhere: / search, ? this help, g then m/u/t/r/b/c/a a view. On a ticket: r reply,
// n note, a assign to me, s solve, Ctrl/Cmd+Enter send — by clicking (or focusing, for a
// field) the element that carries `data-shortcut-action="…"`, so each page decides what the
// key does and the key never does more than the button would.
// Nothing fires while the agent types in a field, except Ctrl/Cmd+Enter and Escape.
(function () {
  "use strict";

  var VIEWS = { m: "mine", u: "unassigned", t: "teams", r: "at_risk", b: "breached", c: "chats", a: "all" };
  var ACTIONS = { r: "reply", n: "note", a: "assign-me", s: "solve" };
  var PREFIX_MS = 1500;
  var prefixAt = 0;
  var currentTicket = null;

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    // A checkbox or a button takes no text: the list's keys keep working on them.
    return !/^(checkbox|radio|button|submit|reset|image|file|range|color)$/i.test(el.type);
  }

  function rows() {
    var list = document.getElementById("queue-rows");
    return list ? Array.prototype.slice.call(list.querySelectorAll("li.row")) : [];
  }

  function setCurrent(row, focus) {
    rows().forEach(function (other) {
      if (other !== row) {
        other.classList.remove("is-current");
        other.removeAttribute("aria-current");
      }
    });
    if (!row) return;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    currentTicket = row.getAttribute("data-ticket");
    row.scrollIntoView({ block: "nearest" });
    if (focus) {
      var link = row.querySelector("a.row-link");
      if (link) link.focus({ preventScroll: true });
    }
  }

  function currentRow() {
    var all = rows();
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("li.row") : null;
    if (focused && all.indexOf(focused) >= 0) return focused;
    for (var i = 0; i < all.length; i++) {
      if (all[i].classList.contains("is-current")) return all[i];
    }
    return null;
  }

  function move(step) {
    var all = rows();
    if (!all.length) return false;
    var index = all.indexOf(currentRow());
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(index + step, 0), all.length - 1);
    setCurrent(all[next], true);
    return true;
  }

  function openCurrent() {
    var row = currentRow();
    var link = row && row.querySelector("a.row-link");
    if (!link) return false;
    link.click();
    return true;
  }

  function toggleCurrent() {
    var row = currentRow();
    var box = row && row.querySelector("input.pick");
    if (!box) return false;
    box.click();
    return true;
  }

  function goToView(key) {
    var view = VIEWS[key];
    if (!view) return false;
    var link = document.querySelector('nav.views a[data-view="' + view + '"]');
    window.location.assign(link ? link.href : "/desk/?view=" + view);
    return true;
  }

  function runAction(name) {
    var el = document.querySelector('[data-shortcut-action="' + name + '"]');
    if (!el || el.disabled || el.closest("[hidden], [inert]")) return false;
    if (isTyping(el)) el.focus();
    else el.click();
    return true;
  }

  function helpDialog() {
    return document.getElementById("shortcuts-help");
  }

  function openHelp() {
    var dialog = helpDialog();
    if (!dialog || dialog.open) return false;
    dialog.showModal();
    return true;
  }

  function focusSearch() {
    var box = document.querySelector('[data-shortcut="/"]') || document.getElementById("desk-search");
    if (!box) return false;
    box.focus();
    if (box.select) box.select();
    return true;
  }

  function onTypingKey(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (runAction("send")) event.preventDefault();
      return;
    }
    // Escape leaves the field, so the keys work again; inside a dialog it closes the dialog.
    if (event.key === "Escape" && !event.target.closest("dialog[open]")) event.target.blur();
  }

  function onKey(event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (isTyping(event.target)) {
      onTypingKey(event);
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (runAction("send")) event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var dialog = helpDialog();
    if (dialog && dialog.open) return; // the modal has the keyboard; Escape closes it
    var key = event.key;
    var handled = false;
    if (prefixAt && Date.now() - prefixAt < PREFIX_MS) {
      prefixAt = 0;
      handled = goToView(key);
    } else if (key === "g") {
      prefixAt = Date.now();
      handled = true;
    } else if (key === "?") {
      handled = openHelp();
    } else if (key === "/") {
      handled = focusSearch();
    } else if (key === "j" || key === "k") {
      handled = move(key === "j" ? 1 : -1);
    } else if (key === "x") {
      handled = toggleCurrent();
    } else if (key === "Enter") {
      // On a link or button Enter already does what it says.
      if (!event.target.closest("a, button, summary, [role=button]")) handled = openCurrent();
    } else if (ACTIONS[key]) {
      handled = runAction(ACTIONS[key]);
    }
    if (handled) event.preventDefault();
  }

  document.addEventListener("keydown", onKey);

  // A live refresh of the rows keeps the current ticket current, and the keyboard on it.
  var focusWasInRows = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "queue-rows") {
      focusWasInRows = event.detail.target.contains(document.activeElement);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!currentTicket || event.target.id !== "queue-rows") return;
    var row = document.querySelector('#queue-rows li.row[data-ticket="' + currentTicket + '"]');
    if (row) setCurrent(row, focusWasInRows);
  });

  // A click on a row's link or checkbox makes it the current row, so j/k go on from there.
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("#queue-rows li.row");
    if (row && !row.classList.contains("is-current")) setCurrent(row, false);
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-shortcuts-open]");
    if (opener) {
      openHelp();
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) dialog.close();
    }
  });
})();
