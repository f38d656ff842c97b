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
