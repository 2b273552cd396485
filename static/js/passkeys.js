// Passkeys (WebAuthn) for session-auth: the account page's "Add a passkey"
// form and the login page's "Sign in with a passkey" button. The server
// keeps each ceremony's state; this script only carries the options to
// navigator.credentials and the answer back, converting the binary fields
// to and from base64url. No inline script: pages load this file. Nor any
// words of its own: what it says comes, in the page's language, from the
// `data-` attributes of its status element (`{name}` and `{status}` in them
// are filled in here).
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The status element's message `key`, its `{placeholders}` filled from
  // `values`; empty (the status hides) when the page gave none.
  function say(el, key, values) {
    var text = (el && el.dataset[key]) || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(values[name]);
    });
    return text;
  }

  function status(el, text, failed) {
    if (!el) { return; }
    el.textContent = text;
    el.hidden = !text;
    el.classList.toggle("alert-error", !!failed);
  }

  async function post(path, body) {
    var response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    });
    var data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function problem(out, result) {
    var d = result.data || {};
    if (d.errors) {
      var all = [];
      Object.keys(d.errors).forEach(function (k) { all = all.concat(d.errors[k]); });
      if (all.length) { return all.join(" "); }
    }
    return d.message || say(out, "server", { status: String(result.status) });
  }

  function creationOptions(options) {
    var pk = options.publicKey;
    pk.challenge = toBytes(pk.challenge);
    pk.user.id = toBytes(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: pk };
  }

  function requestOptions(options) {
    var pk = options.publicKey;
    pk.challenge = toBytes(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: pk };
  }

  function registrationJson(cred) {
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: toB64url(cred.response.attestationObject),
        clientDataJSON: toB64url(cred.response.clientDataJSON),
        transports: cred.response.getTransports ? cred.response.getTransports() : []
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  function assertionJson(cred) {
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toB64url(cred.response.authenticatorData),
        clientDataJSON: toB64url(cred.response.clientDataJSON),
        signature: toB64url(cred.response.signature),
        userHandle: toB64url(cred.response.userHandle)
      },
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  // One ceremony: ask the server to start it, let the browser talk to the
  // authenticator, hand the answer back, then go where the server says.
  async function ceremony(out, how) {
    status(out, say(out, "prompt"), false);
    var started = await post(how.start, how.startBody);
    if (started.status === 403 && started.data.error === "reauthentication_required") {
      window.location.assign("/account/confirm?next=%2Faccount%2Fpasskeys");
      return;
    }
    if (!started.ok) { status(out, problem(out, started), true); return; }
    var answer;
    try {
      answer = await how.ask(started.data.options);
    } catch (e) {
      status(out, how.refused(out, e), true);
      return;
    }
    var body = how.finishBody();
    body.ceremony = started.data.ceremony;
    body.credential = answer;
    var finished = await post(how.finish, body);
    if (!finished.ok) { status(out, problem(out, finished), true); return; }
    window.location.assign(finished.data.redirect || how.then);
  }

  function register(form, out) {
    return ceremony(out, {
      start: "/account/passkeys/register/start",
      startBody: { name: form.querySelector("input[name=name]").value },
      ask: async function (options) {
        return registrationJson(await navigator.credentials.create(creationOptions(options)));
      },
      refused: function (out, e) {
        return e.name === "InvalidStateError"
          ? say(out, "duplicate")
          : say(out, "refused", { name: e.name });
      },
      finish: "/account/passkeys/register/finish",
      finishBody: function () { return {}; },
      then: "/account/passkeys"
    });
  }

  // A passkey answers a login ceremony: to log in (the login page) or to
  // confirm it is you (the confirmation page); `next` and `remember` come
  // from the page's form.
  function assert(out, start, finish) {
    var next = document.querySelector("input[name=next]");
    var remember = document.querySelector("input[name=remember]");
    return ceremony(out, {
      start: start,
      startBody: {},
      ask: async function (options) {
        return assertionJson(await navigator.credentials.get(requestOptions(options)));
      },
      refused: function (out, e) { return say(out, "refused", { name: e.name }); },
      finish: finish,
      finishBody: function () {
        return { next: next ? next.value : "", remember: remember ? remember.checked : false };
      },
      then: "/dashboard"
    });
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("passkey-add");
    var formOut = document.getElementById("passkey-add-status");
    if (form) {
      if (!supported()) {
        status(formOut, say(formOut, "unsupported"), true);
      }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        register(form, formOut).catch(function (e) { status(formOut, String(e), true); });
      });
    }
    [
      ["passkey-login", "/login/passkey/start", "/login/passkey/finish"],
      ["passkey-confirm", "/account/confirm/passkey/start", "/account/confirm/passkey/finish"]
    ].forEach(function (which) {
      var button = document.getElementById(which[0]);
      var out = document.getElementById(which[0] + "-status");
      if (!button || !supported()) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        assert(out, which[1], which[2]).catch(function (e) { status(out, String(e), true); });
      });
    });
  });
})();
