// The transparency page's year selector shows the chosen year at once; without JavaScript its button does it.
document.addEventListener('DOMContentLoaded', function () {
  var select = document.getElementById('year');
  if (select) { select.addEventListener('change', function () { select.form.submit(); }); }
  var button = document.getElementById('year-submit');
  if (button) { button.hidden = true; }
});
