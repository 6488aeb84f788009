// New request: the help centre's suggestions read the subject and the message together,
// as one `q`, whichever of the two the customer is typing in (htmx sends only the field's
// own value otherwise). A short query is not sent: two letters match everything.
(function () {
  "use strict";
  var LIMIT = 300;
  document.addEventListener("htmx:configRequest", function (event) {
    var field = event.detail.elt;
    if (!field || !field.hasAttribute("data-suggest")) return;
    var form = field.closest("form");
    var subject = form.querySelector("[name=subject]").value;
    var message = form.querySelector("[name=message]").value;
    var q = (subject + " " + message).trim().slice(0, LIMIT);
    if (q.length < 3) {
      event.preventDefault();
      document.getElementById("portal-suggestions").textContent = "";
      return;
    }
    event.detail.parameters = { q: q };
  });
})();
