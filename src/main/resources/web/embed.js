(function () {
  var config = __CONFIG__;
  var host = document.currentScript ? document.currentScript : null;
  var target = document.querySelector('[data-valjean="' + config.slug + '"]');
  if (!target) {
    target = document.createElement('div');
    if (host && host.parentNode) { host.parentNode.insertBefore(target, host); } else { document.body.appendChild(target); }
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }
  var id = 'valjean-' + config.slug;
  var form = el('form', { 'class': 'valjean-form', novalidate: 'novalidate' });
  form.appendChild(el('label', { 'for': id + '-email' }, 'Email address'));
  form.appendChild(el('input', { type: 'email', id: id + '-email', name: 'email', required: 'required', maxlength: '320' }));
  form.appendChild(el('label', { 'for': id + '-name' }, 'Name (optional)'));
  form.appendChild(el('input', { type: 'text', id: id + '-name', name: 'name', maxlength: '200' }));
  var hp = el('div', { 'aria-hidden': 'true', style: 'position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden' });
  hp.appendChild(el('input', { type: 'text', name: 'website', tabindex: '-1', autocomplete: 'off' }));
  form.appendChild(hp);
  var consent = el('input', { type: 'checkbox', id: id + '-consent', name: 'consent' });
  form.appendChild(consent);
  form.appendChild(el('label', { 'for': id + '-consent' }, config.consentText));
  form.appendChild(el('p', {}, config.name + ' arrives ' + config.cadence + '.'));
  var button = el('button', { type: 'submit' }, 'Subscribe');
  form.appendChild(button);
  var status = el('p', { role: 'status' });
  form.appendChild(status);
  target.appendChild(form);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!consent.checked) { status.textContent = 'Please tick the box to agree.'; return; }
    button.disabled = true;
    status.textContent = 'Sending...';
    valjeanSolve(config.base).then(function (payload) {
      return fetch(config.base + '/api/v1/subscriptions', {
        method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: form.elements.email.value, name: form.elements.name.value || null,
          newsletters: [config.slug], consent: true, consentVersion: config.consentVersion,
          page: location.origin + location.pathname, altcha: payload, website: form.elements.website.value })
      });
    }).then(function (r) {
      return r.json().then(function (body) {
        status.textContent = r.ok ? 'Check your inbox: we sent you a link to confirm.' : (body.detail || 'That did not work.');
        if (!r.ok) { button.disabled = false; }
      });
    }).catch(function () { status.textContent = 'That did not work; please try again.'; button.disabled = false; });
  });
})();
