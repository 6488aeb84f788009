// Desk behaviour: the ticket page opens where the conversation is now. A long timeline reads
// oldest first, so without this the agent lands on a contact of weeks ago and scrolls past
// the whole history to reach the latest message and the composer. A link to an entry
// (#message-12) keeps its own target.
(function () {
  "use strict";

  function openAtLatest() {
    if (window.location.hash) return;
    var entries = document.getElementById("timeline-entries");
    if (!entries || !entries.lastElementChild) return;
    var latest = entries.lastElementChild;
    // The latest entry near the top of the screen, the composer below it.
    latest.scrollIntoView({ block: "start" });
    var bar = document.querySelector(".topbar");
    if (bar) window.scrollBy(0, -(bar.offsetHeight + 16));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openAtLatest);
  } else {
    openAtLatest();
  }
})();
