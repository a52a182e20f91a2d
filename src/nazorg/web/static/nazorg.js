// nazorg: a few lines of enhancement; every page works without them.
// A form with data-confirm asks once before it is sent (the server checks again).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
