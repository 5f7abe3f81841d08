// hischange: WebAuthn in the browser, the one place the review page needs JavaScript.
// The server sends the challenge (the SHA-256 of exactly what the act will record);
// the reviewer's authenticator signs it; the server records the signature with the act.
(function () {
  "use strict";
  function b64urlToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function status(text) {
    var el = document.getElementById("passkey-status");
    if (el) el.textContent = text;
  }
  async function post(url, csrf, data) {
    var r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(data)
    });
    var j = await r.json();
    if (!r.ok || j.ok === false) throw new Error(j.error || ("HTTP " + r.status));
    return j;
  }
  async function register(btn) {
    var csrf = btn.dataset.csrf;
    try {
      var o = await post("/passkeys/register/begin", csrf, {});
      o.challenge = b64urlToBuf(o.challenge);
      o.user.id = b64urlToBuf(o.user.id);
      (o.excludeCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
      var cred = await navigator.credentials.create({publicKey: o});
      var done = await post("/passkeys/register/finish", csrf, {
        id: cred.id, rawId: bufToB64url(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: bufToB64url(cred.response.clientDataJSON),
          attestationObject: bufToB64url(cred.response.attestationObject)
        }
      });
      status("OK " + done.fingerprint + " — " + done.command);
    } catch (e) { status("ERROR " + e.message); }
  }
  async function approve(btn) {
    var csrf = btn.dataset.csrf, cid = btn.dataset.change;
    var data = {kind: btn.dataset.kind};
    var form = btn.closest("form");
    if (form) new FormData(form).forEach(function (v, k) { if (k !== "csrf") data[k] = v; });
    try {
      var o = await post("/changes/" + encodeURIComponent(cid) + "/sign/begin", csrf, data);
      status("签名 Signing: " + o.meanings.join("; "));
      var pk = {challenge: b64urlToBuf(o.challenge), rpId: o.rpId, timeout: o.timeout,
                userVerification: o.userVerification,
                allowCredentials: (o.allowCredentials || []).map(function (c) {
                  return {type: c.type, id: b64urlToBuf(c.id)};
                })};
      var a = await navigator.credentials.get({publicKey: pk});
      var done = await post("/changes/" + encodeURIComponent(cid) + "/sign/finish", csrf, {
        id: bufToB64url(a.rawId), type: a.type,
        response: {
          clientDataJSON: bufToB64url(a.response.clientDataJSON),
          authenticatorData: bufToB64url(a.response.authenticatorData),
          signature: bufToB64url(a.response.signature)
        }
      });
      status("OK");
      window.location = done.redirect;
    } catch (e) { status("ERROR " + e.message); }
  }
  document.querySelectorAll(".passkey-approve").forEach(function (b) {
    b.addEventListener("click", function (ev) { ev.preventDefault(); approve(b); });
  });
  document.querySelectorAll(".passkey-register").forEach(function (b) {
    b.addEventListener("click", function (ev) { ev.preventDefault(); register(b); });
  });
})();
