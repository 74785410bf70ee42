(function () {
  var config = __CONFIG__;
  var host = document.currentScript ? document.currentScript : null;
  // Valjean is where this script came from (the public URL may differ from what a proxy shows the site).
  if (host && host.src) { config.base = host.src.replace(/\/embed\/[^\/]*$/, ''); }
  if (!document.getElementById('valjean-form-style')) {
    // A small default look that works on a phone; restyle with the classes valjean-form, valjean-field,
    // valjean-consent, valjean-button and valjean-status (see the README).
    var style = document.createElement('style');
    style.id = 'valjean-form-style';
    style.textContent = '.valjean-form{display:flex;flex-direction:column;gap:.4em;max-width:28em;font:inherit}'
      + '.valjean-form .valjean-field{font:inherit;padding:.5em;border:1px solid #888;border-radius:4px;width:100%;box-sizing:border-box}'
      + '.valjean-form .valjean-consent{display:flex;gap:.5em;align-items:flex-start}'
      + '.valjean-form .valjean-button{font:inherit;padding:.55em 1em;border:0;border-radius:4px;background:' + (/^#[0-9a-f]{6}$/.test(config.accent) ? config.accent : '#1d4ed8') + ';color:#fff;align-self:flex-start;cursor:pointer}'
      + '.valjean-form .valjean-button[disabled]{opacity:.6}.valjean-form .valjean-status{min-height:1.4em;margin:0}';
    document.head.appendChild(style);
  }
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
  form.appendChild(el('input', { type: 'email', id: id + '-email', name: 'email', required: 'required', maxlength: '320', 'class': 'valjean-field' }));
  form.appendChild(el('label', { 'for': id + '-name' }, 'Name (optional)'));
  form.appendChild(el('input', { type: 'text', id: id + '-name', name: 'name', maxlength: '200', 'class': 'valjean-field' }));
  var hp = el('div', { 'aria-hidden': 'true', style: 'position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden' });
  hp.appendChild(el('input', { type: 'text', name: 'website', tabindex: '-1', autocomplete: 'off' }));
  form.appendChild(hp);
  var consent = el('input', { type: 'checkbox', id: id + '-consent', name: 'consent' });
  var consentRow = el('div', { 'class': 'valjean-consent' });
  consentRow.appendChild(consent);
  consentRow.appendChild(el('label', { 'for': id + '-consent' }, config.consentText));
  form.appendChild(consentRow);
  form.appendChild(el('p', {}, config.name + ' arrives ' + config.cadence + '.'));
  var button = el('button', { type: 'submit', 'class': 'valjean-button' }, 'Subscribe');
  form.appendChild(button);
  var status = el('p', { role: 'status', 'class': 'valjean-status' });
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
    }).catch(function () {
      status.textContent = 'That did not work: this site may not be allowed to show the form yet. Please try again later.';
      button.disabled = false;
    });
  });
})();
