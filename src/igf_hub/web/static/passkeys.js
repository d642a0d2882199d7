// Progressive enhancement: passkeys (WebAuthn) for the forms marked data-passkey="create" or "get".
// Such a form is hidden until this script finds navigator.credentials; on submit it asks the browser for a passkey
// with the server's options (data-options), puts the answer in the form's "credential" field and sends the form.
// Without JavaScript or passkeys the form stays hidden and the code form works as before.
"use strict";
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }
  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
  }
  function toText(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function withIds(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBytes(item.id) }); });
  }
  function answer(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      if (response.userHandle) {
        json.response.userHandle = toText(response.userHandle);
      }
    }
    return JSON.stringify(json);
  }
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var options = JSON.parse(form.dataset.options);
      options.challenge = toBytes(options.challenge);
      var request;
      if (form.dataset.passkey === "create") {
        options.user.id = toBytes(options.user.id);
        options.excludeCredentials = withIds(options.excludeCredentials);
        request = navigator.credentials.create({ publicKey: options });
      } else {
        options.allowCredentials = withIds(options.allowCredentials);
        request = navigator.credentials.get({ publicKey: options });
      }
      request.then(function (credential) {
        form.querySelector("input[name=credential]").value = answer(credential);
        form.submit();
      }).catch(function () {
        form.querySelector("[data-passkey-error]").hidden = false;
      });
    });
  });
})();
