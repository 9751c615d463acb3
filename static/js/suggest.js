/* NovaDesk: help-centre articles that may answer a new request, shown while it is written.
 *
 * The panel (aside#suggestions) says where to ask and which request draft this is. Results are
 * built as DOM nodes: titles and summaries as text, snippets as text with <mark> elements made
 * here. The draft is kept in sessionStorage under its key, so coming back to an emptied form
 * (for example with the Back button) restores it; text the customer typed is never replaced.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;
  var MIN_INTERVAL_MS = 500; // at most two requests a second
  var MIN_CHARS = 3;
  var DESCRIPTION_CHARS = 300;
  var DRAFT_FIELDS = ["subject", "description", "product", "version", "category"];
  var STORAGE_PREFIX = "novadesk.request-draft.";

  var panel = document.getElementById("suggestions");
  if (!panel || !window.fetch) {
    return;
  }
  var form = panel.closest("form");
  if (!form) {
    return;
  }
  var list = panel.querySelector(".suggestions-list");
  var intro = panel.querySelector(".suggestions-intro");
  var searchLink = document.getElementById("suggestions-search-link");
  var composeInput = form.querySelector("input[name=compose]");

  var timer = null;
  var controller = null;
  var lastSent = "";
  var lastSentAt = 0;

  function field(name) {
    return form.elements.namedItem(name);
  }

  function value(name) {
    var element = field(name);
    return element && typeof element.value === "string" ? element.value : "";
  }

  function composeKey() {
    return composeInput ? composeInput.value : panel.getAttribute("data-compose") || "";
  }

  function searchText() {
    return (value("subject") + " " + value("description").slice(0, DESCRIPTION_CHARS)).trim();
  }

  // --- The plain link to the help centre -------------------------------------------------------

  function updateSearchLink() {
    if (!searchLink) {
      return;
    }
    var url = new URL(searchLink.href, window.location.href);
    url.searchParams.set("q", value("subject").trim());
    url.searchParams.set("product", value("product"));
    searchLink.href = url.pathname + url.search;
  }

  // --- Rendering -------------------------------------------------------------------------------

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };

  function unescapeHtml(text) {
    return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, function (entity) {
      return ENTITIES[entity];
    });
  }

  // The snippet is escaped text whose only markup is <mark>…</mark>: split on those and
  // build text nodes and <mark> elements, so nothing in it is ever parsed as HTML.
  function snippetNode(snippet) {
    var paragraph = document.createElement("p");
    paragraph.className = "suggestion-snippet";
    var parts = String(snippet || "").split(/(<mark>|<\/mark>)/);
    var marked = false;
    parts.forEach(function (part) {
      if (part === "<mark>") {
        marked = true;
      } else if (part === "</mark>") {
        marked = false;
      } else if (part) {
        var text = document.createTextNode(unescapeHtml(part));
        if (marked) {
          var mark = document.createElement("mark");
          mark.appendChild(text);
          paragraph.appendChild(mark);
        } else {
          paragraph.appendChild(text);
        }
      }
    });
    return paragraph;
  }

  function resultNode(result) {
    var item = document.createElement("li");
    item.className = "suggestion";
    var link = document.createElement("a");
    link.href = result.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "suggestion-title";
    link.textContent = result.title;
    if (result.language) {
      link.lang = result.language;
    }
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = " " + (panel.getAttribute("data-new-tab") || "");
    link.appendChild(hint);
    item.appendChild(link);
    var pageLanguage = (document.documentElement.lang || "").slice(0, 2);
    if (result.language && result.language !== pageLanguage) {
      var language = document.createElement("span");
      language.className = "muted suggestion-language";
      language.textContent =
        " (" + (panel.getAttribute("data-language-" + result.language) || result.language) + ")";
      item.appendChild(language);
    }
    if (result.summary) {
      var summary = document.createElement("p");
      summary.className = "suggestion-summary";
      summary.textContent = result.summary;
      item.appendChild(summary);
    }
    if (result.snippet && result.snippet.indexOf("<mark>") !== -1) {
      item.appendChild(snippetNode(result.snippet));
    }
    return item;
  }

  function show(results) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "suggestion-none muted";
      none.textContent = panel.getAttribute("data-none") || "";
      list.appendChild(none);
    } else {
      results.forEach(function (result) {
        list.appendChild(resultNode(result));
      });
    }
    list.hidden = false;
  }

  // --- Asking ----------------------------------------------------------------------------------

  function request() {
    timer = null;
    var text = searchText();
    if (text.length < MIN_CHARS) {
      return;
    }
    var params = new URLSearchParams({
      q: text,
      product: value("product"),
      version: value("version").trim(),
      compose: composeKey(),
    });
    var query = params.toString();
    if (query === lastSent) {
      return;
    }
    var wait = lastSentAt + MIN_INTERVAL_MS - Date.now();
    if (wait > 0) {
      timer = window.setTimeout(request, wait);
      return;
    }
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    lastSent = query;
    lastSentAt = Date.now();
    fetch(panel.getAttribute("data-url") + "?" + query, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) {
          // Rate limited or signed out: try again with the next change.
          lastSent = "";
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (data && Array.isArray(data.results)) {
          show(data.results);
        }
      })
      .catch(function (error) {
        if (!error || error.name !== "AbortError") {
          lastSent = "";
        }
      });
  }

  function schedule() {
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(request, DEBOUNCE_MS);
  }

  // --- The draft in sessionStorage -------------------------------------------------------------

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // storage switched off
    }
  }

  function draftKey() {
    return STORAGE_PREFIX + composeKey();
  }

  function saveDraft() {
    var store = storage();
    if (!store || !composeKey()) {
      return;
    }
    var draft = {};
    DRAFT_FIELDS.forEach(function (name) {
      draft[name] = value(name);
    });
    try {
      store.setItem(draftKey(), JSON.stringify(draft));
    } catch (error) {
      // Storage full: the draft is simply not kept.
    }
  }

  function restoreDraft() {
    var store = storage();
    if (!store || !composeKey()) {
      return;
    }
    // Only an emptied form is filled in again; anything typed stays as it is.
    if (value("subject").trim() || value("description").trim()) {
      return;
    }
    var draft;
    try {
      draft = JSON.parse(store.getItem(draftKey()) || "null");
    } catch (error) {
      draft = null;
    }
    if (!draft || typeof draft !== "object") {
      return;
    }
    DRAFT_FIELDS.forEach(function (name) {
      var element = field(name);
      var saved = draft[name];
      if (!element || typeof saved !== "string" || !saved) {
        return;
      }
      if (element.tagName === "SELECT") {
        var known = Array.prototype.some.call(element.options, function (option) {
          return option.value === saved;
        });
        if (known) {
          element.value = saved;
        }
      } else if (!element.value.trim()) {
        element.value = saved;
      }
    });
  }

  // --- Wiring ----------------------------------------------------------------------------------

  function changed() {
    saveDraft();
    updateSearchLink();
    schedule();
  }

  ["subject", "description", "product", "version", "category"].forEach(function (name) {
    var element = field(name);
    if (element) {
      element.addEventListener("input", changed);
      element.addEventListener("change", changed);
    }
  });

  form.addEventListener("submit", function () {
    // Sent (or checked): the form comes back filled in from the server, not from storage.
    var store = storage();
    if (store) {
      store.removeItem(draftKey());
    }
  });

  function start() {
    restoreDraft();
    updateSearchLink();
    if (intro) {
      intro.hidden = false;
    }
    lastSent = "";
    schedule();
  }

  window.addEventListener("pageshow", function (event) {
    // Shown again from the back-forward cache: the script is not run a second time.
    if (event.persisted) {
      start();
    }
  });
  start();
})();
