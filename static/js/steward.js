/* Steward: keyboard shortcuts and small conveniences. Pages declare their shortcuts with data attributes:
 *   data-shortcut="m"  the element is clicked when the key is pressed (buttons, links);
 *   data-nav-item      j / k move the focus between these (queue rows, search results) when no element
 *                      claims j / k itself.
 * Keys typed into a text field never trigger a shortcut. */
(function () {
  "use strict";

  function isTyping(element) {
    if (!element) return false;
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    if (element.tagName !== "INPUT") return false;
    return !["radio", "checkbox", "button", "submit", "reset"].includes(element.type);
  }

  function usable(element) {
    return element && !element.disabled && element.getAttribute("aria-disabled") !== "true" && element.offsetParent !== null;
  }

  function moveFocus(step) {
    const items = Array.from(document.querySelectorAll("[data-nav-item]")).filter(usable);
    if (!items.length) return false;
    const current = items.findIndex(function (item) { return item === document.activeElement; });
    const index = current === -1 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, current + step));
    items[index].focus();
    items[index].scrollIntoView({ block: "nearest" });
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const key = event.key;
    if (key.length !== 1) return;
    const target = Array.from(document.querySelectorAll('[data-shortcut="' + CSS.escape(key) + '"]')).find(usable);
    if (target) {
      event.preventDefault();
      target.click();
      return;
    }
    if ((key === "j" || key === "k") && moveFocus(key === "j" ? 1 : -1)) event.preventDefault();
  });

  // Bars (scores, similarities, the dashboard's counts) say their length in data-share (a percentage): set here
  // rather than in a style attribute, which the Content-Security-Policy refuses. htmx:load fires for every piece
  // of content htmx swaps in.
  function applyShares(root) {
    if (root.matches && root.matches("[data-share]")) root.style.setProperty("--share", root.dataset.share + "%");
    root.querySelectorAll("[data-share]").forEach(function (element) {
      element.style.setProperty("--share", element.dataset.share + "%");
    });
  }
  applyShares(document);
  document.addEventListener("htmx:load", function (event) { applyShares(event.detail.elt); });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-dismiss]");
    if (button) button.closest(".notice").remove();
  });

  // After htmx swaps in a new candidate, put the focus on its heading so keyboard and screen-reader users
  // continue from the top of what changed.
  document.addEventListener("htmx:afterSwap", function (event) {
    const panel = event.detail.target;
    if (panel && panel.id === "review-panel") {
      const fresh = document.getElementById("review-panel");
      const heading = fresh && fresh.querySelector("h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
        window.scrollTo({ top: 0 });
      }
    }
  });
})();
