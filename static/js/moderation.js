// The dashboard's keyboard, layered over buttons and forms that work without JavaScript:
// j/k next/previous comment, a approve, r reject (opens the rules, then 1–9 picks one), s spam, t trash,
// x select for a bulk action, u undo, ? lists the keys. A key presses the real button of the current
// comment; keys are ignored while typing in a field or with Ctrl, Alt or Meta held. The server's answer
// to a decision fills the status region (role=status) and screen readers announce it; what only this
// script knows ("Reject: press 1 to 7") goes to #key-announcer.
(function () {
  "use strict";

  var rejecting = null; // the id of the row waiting for a rule number after "r"

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".queue-item"));
  }

  function currentRow() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest(".queue-item") : null;
    if (row) return row;
    var marked = document.querySelector(".queue-item.is-current");
    return marked && marked.isConnected ? marked : null;
  }

  function focusRow(row) {
    if (!row) return;
    rows().forEach(function (r) { r.classList.toggle("is-current", r === row); });
    row.tabIndex = -1; // focusable from here, not a Tab stop (rows leave it out: a page holds 50)
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function announce(text) {
    var region = document.getElementById("key-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 30);
  }

  function isTyping(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset|image)$/i.test(el.type);
  }

  function press(container, selector) {
    var button = container && container.querySelector(selector);
    if (!button) return false;
    // A key pressed right after a swap can beat htmx's own processing of the new row, and the
    // click would then submit the plain form. Processing is idempotent, so make sure of it first.
    if (window.htmx) {
      window.htmx.process(button);
      if (button.form) window.htmx.process(button.form);
    }
    button.click();
    return true;
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(currentRow());
    index = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, index + step));
    focusRow(all[index]);
  }

  function nextUndecided(after) {
    var all = rows();
    var start = all.indexOf(after);
    for (var i = start + 1; i < all.length; i++) if (!all[i].hasAttribute("data-decided")) return all[i];
    for (var j = start - 1; j >= 0; j--) if (!all[j].hasAttribute("data-decided")) return all[j];
    return after;
  }

  // "r" opens the row's reject form (fetched on demand: the rows do not carry the rule list), then
  // a digit picks the rule and submits. A digit typed before the form has arrived waits for it.
  var pendingRule = null;

  function rejectForm(row) {
    return row && row.isConnected ? row.querySelector(".reject-form") : null;
  }

  function startReject(row) {
    var link = row.querySelector("a.decide-reject");
    if (!link && !rejectForm(row)) { announce("This comment cannot be rejected from here."); return; }
    rejecting = row.id;
    pendingRule = null;
    if (link) link.click();
    announce("Reject: press the number of the rule it broke, or Escape to cancel.");
  }

  function finishReject(number) {
    var row = document.getElementById(rejecting);
    var form = rejectForm(row);
    if (!form) { pendingRule = number; return; }
    rejecting = null;
    pendingRule = null;
    var radio = form.querySelector('input[name=rule][value="' + number + '"]');
    if (!radio) { announce("There is no rule " + number + "."); rejecting = row.id; return; }
    radio.checked = true;
    press(form, "button.decide-reject");
  }

  function cancelReject() {
    var row = document.getElementById(rejecting);
    var form = rejectForm(row);
    rejecting = null;
    pendingRule = null;
    if (form) press(form, ".form-actions a");
    announce("Reject cancelled.");
  }

  function undo() {
    if (press(currentRow(), ".undo-form button")) return;
    if (press(document.getElementById("moderation-status"), ".undo-form button")) return;
    announce("There is nothing to undo.");
  }

  function toggleSelected(row) {
    var box = row && row.querySelector("input[name=comment]");
    if (!box) return;
    box.checked = !box.checked;
    announce(box.checked ? "Selected." : "Not selected.");
  }

  function showKeys() {
    var dialog = document.getElementById("keyboard-help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  var decide = { a: "button[name=approve]", s: "button[name=spam]", t: "button[name=trash]" };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var dialog = document.getElementById("keyboard-help");
    if (dialog && dialog.open) return; // the dialog handles Escape itself
    var key = event.key;
    if (rejecting) {
      event.preventDefault();
      if (/^[1-9]$/.test(key)) finishReject(key);
      else if (key === "Escape" || key === "r") cancelReject();
      return;
    }
    var row = currentRow();
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "u") undo();
    else if (key === "?") showKeys();
    else if (decide[key] || key === "r" || key === "x") {
      if (!row) { announce("Press j to choose a comment first."); }
      else if (key === "r") startReject(row);
      else if (key === "x") toggleSelected(row);
      else if (!press(row, decide[key])) announce("That is not available for this comment.");
    } else return;
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-show-keys]")) showKeys();
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input[form=bulk][name=comment]").forEach(function (box) {
        box.checked = all.checked;
      });
    }
    var row = event.target.closest(".queue-item");
    if (row) rows().forEach(function (r) { r.classList.toggle("is-current", r === row); });
  });

  // After a decision the status region names the row it concerned (data-row): a comment that left
  // the tab hands focus on to the next undecided one (triage goes on), any other gets focus back.
  // A row swapped in by hx-get (edit, reply, cancel) focuses its field (site.js) or itself.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (event.target !== target) {
      // Out-of-band elements settle too: act once per swap. After an outerHTML swap the event
      // fires on the element that replaced the target.
      if (target.isConnected || event.target.id !== target.id) return;
      target = event.target;
    }
    if (target.id === "moderation-status") {
      var named = target.querySelector("[data-row]");
      var row = named && document.getElementById(named.getAttribute("data-row"));
      if (row) {
        var field = row.querySelector("[data-autofocus]");
        if (field) field.focus();
        else focusRow(row.hasAttribute("data-decided") ? nextUndecided(row) : row);
      } else if (document.activeElement === document.body) {
        target.focus();
      }
    } else if (target.classList.contains("queue-item")) {
      if (rejecting === target.id && pendingRule) { finishReject(pendingRule); return; }
      var wanted = target.querySelector("[data-autofocus]");
      if (wanted) wanted.focus();
      else focusRow(target);
    }
  });
})();
