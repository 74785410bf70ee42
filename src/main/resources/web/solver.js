/* Valjean: solves the ALTCHA-compatible proof-of-work challenge in the browser (SHA-256). */
function valjeanHex(buffer) {
  return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
}
function valjeanSolve(base) {
  return fetch(base + '/api/v1/challenge', { credentials: 'omit' }).then(function (r) { return r.json(); }).then(function (c) {
    var encoder = new TextEncoder();
    function attempt(n) {
      return crypto.subtle.digest('SHA-256', encoder.encode(c.salt + n)).then(function (d) {
        if (valjeanHex(d) === c.challenge) {
          return btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: n, salt: c.salt, signature: c.signature }));
        }
        if (n >= c.maxnumber) { throw new Error('unsolvable'); }
        return attempt(n + 1);
      });
    }
    return attempt(0);
  });
}
