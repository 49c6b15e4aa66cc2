// Reader-side behaviour layered over forms that work without JavaScript.
// No inline script anywhere (CSP script-src 'self'); htmx does the requests.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Smiley buttons submit the form to the server without JS; with JS they insert at the caret.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.smiley-button");
    if (!button) return;
    var form = button.form;
    var textarea = form && form.querySelector("textarea[name=body]");
    if (!textarea) return;
    event.preventDefault();
    insertAtCaret(textarea, button.value);
    textarea.dispatchEvent(new CustomEvent("talkback:inserted", { bubbles: true }));
  });

  function insertAtCaret(textarea, code) {
    var start = textarea.selectionStart, end = textarea.selectionEnd, text = textarea.value;
    // A smiley is only converted where it stands alone, so pad it with spaces where needed.
    var before = start > 0 && !/\s/.test(text.charAt(start - 1)) ? " " : "";
    var after = end >= text.length || !/\s/.test(text.charAt(end)) ? " " : "";
    var insert = before + code + after;
    textarea.focus();
    textarea.setRangeText(insert, start, end, "end");
  }

  // A #comment-N this page does not show: a comment renumbered on import carries its old WordPress
  // number in data-wp-comment (go to it); otherwise the server says which comment page has it
  // (an old link to a comment that is no longer on the newest page).
  function followOldCommentLink() {
    var match = /^#comment-(\d+)$/.exec(location.hash);
    if (!match || document.getElementById("comment-" + match[1])) return;
    var moved = document.querySelector('[data-wp-comment="' + match[1] + '"]');
    if (moved) {
      location.replace("#" + moved.id);
    } else if (/\/articles\/[^/]+$/.test(location.pathname) && document.getElementById("comments")) {
      location.replace(location.pathname + "/comments/" + match[1]);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", followOldCommentLink);
  } else {
    followOldCommentLink();
  }
  window.addEventListener("hashchange", followOldCommentLink);

  // The counter's response says whether the text is over the limit (HX-Trigger).
  document.addEventListener("talkback:counted", function (event) {
    var textarea = event.target.closest ? event.target : null;
    if (!textarea || textarea.tagName !== "TEXTAREA") return;
    if (event.detail && event.detail.tooLong) {
      textarea.setAttribute("aria-invalid", "true");
    } else {
      textarea.removeAttribute("aria-invalid");
    }
  });

  // Each comment form gets a key of this browser's own (the page is the same for every reader, so
  // the server cannot put one there): the same submission sent again is stored once. A form
  // re-rendered with errors keeps its key; a fresh form after a post comes back empty.
  function nameSubmissions(root) {
    var inputs = root.querySelectorAll ? root.querySelectorAll('input[name="submission_key"]') : [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.value || !window.crypto || !window.crypto.getRandomValues) return;
      var bytes = window.crypto.getRandomValues(new Uint8Array(16));
      input.value = Array.prototype.map.call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    });
  }
  nameSubmissions(document);
  document.addEventListener("htmx:load", function (event) { nameSubmissions(event.target); });

  // After htmx swaps a region, put focus where the swapped content asks for it, or on the
  // status message, so keyboard and screen reader users are not left on a removed button.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    // An outerHTML swap leaves the old element detached: find its replacement by id.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    if (!target) return;
    var wanted = target.querySelector("[data-autofocus]");
    if (wanted) {
      wanted.focus();
    } else if (target.id === "comments") {
      var status = document.getElementById("comment-status");
      if (status && status.textContent.trim()) status.focus();
    }
  });
})();
