// The "Cite this page" box. No network, no library.
// Copy buttons: the Clipboard API where the page is a secure context (https, localhost),
// else a hidden-textarea copy (file:// pages). Material's instant navigation is off, so
// binding once per load suffices.
// Anchors: when the address names a heading or a numbered equation of the article (the
// reader followed or clicked its ¶ or its number), every URL in the box, and the plain
// text and BibTeX built from them, gain that #anchor; without one they cite the page.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function bind(button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      var label = button.textContent;
      copy(source.textContent).then(
        function () { button.textContent = "Copied"; },
        function () { button.textContent = "Select and copy by hand"; }
      ).then(function () {
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  }

  document.querySelectorAll(".cite-box__copy[data-copy]").forEach(bind);

  var box = document.querySelector(".cite-box");
  if (!box) return;
  var links = Array.prototype.slice.call(box.querySelectorAll("a[data-cite-url]"));
  var texts = Array.prototype.slice.call(box.querySelectorAll(".cite-box__text"));
  var originals = texts.map(function (pre) { return pre.textContent; });
  var urls = links.map(function (link) { return link.getAttribute("data-cite-url"); })
    .filter(function (url, index, all) { return all.indexOf(url) === index; });
  var targetNote = box.querySelector(".cite-box__target");

  // The citable element the hash names: a heading or an equation of the article.
  function target(hash) {
    var id;
    try { id = decodeURIComponent(hash.replace(/^#/, "")); } catch (error) { return null; }
    var element = id && document.getElementById(id);
    if (!element || !element.closest("article") || element.closest(".cite-box")) return null;
    if (/^H[1-6]$/.test(element.tagName)) {
      var heading = element.cloneNode(true);
      heading.querySelectorAll(".headerlink").forEach(function (link) { link.remove(); });
      return { id: id, label: "the section “" + heading.textContent.trim() + "”" };
    }
    if (element.classList.contains("equation")) {
      var number = element.querySelector(".eq-num");
      return { id: id, label: "equation " + (number ? number.textContent.trim() : id) };
    }
    return null;
  }

  function update() {
    var found = target(window.location.hash);
    var anchor = found ? "#" + found.id : "";
    links.forEach(function (link) {
      var url = link.getAttribute("data-cite-url") + anchor;
      link.setAttribute("href", url);
      link.textContent = url;
    });
    texts.forEach(function (pre, index) {
      var text = originals[index];
      urls.forEach(function (url) { text = text.split(url).join(url + anchor); });
      pre.textContent = text;
    });
    if (targetNote) targetNote.textContent = found ? found.label + " (" + anchor + ")" : "the whole page";
  }

  window.addEventListener("hashchange", update);
  update();
})();
