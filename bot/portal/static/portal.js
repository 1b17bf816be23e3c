// The portal works without JavaScript; this only asks before actions that cannot be undone (the form's
// question, or the pressed button's when a form has several actions).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
