(function () {
  var form = document.getElementById('valjean-subscribe');
  if (!form || !window.fetch || !window.crypto || !crypto.subtle) { return; }
  var ready = false;
  form.addEventListener('submit', function (event) {
    if (ready) { return; }
    event.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    valjeanSolve('').then(function (payload) { form.elements.altcha.value = payload; })
      .catch(function () { /* the form token still lets the request through */ })
      .then(function () { ready = true; form.submit(); });
  });
})();
