// Pan and zoom for the report's long-series figures (chromatograms, long time series).
// Written for cellworks (MIT); no library, no network. Drag a box to zoom into it, shift-drag to pan,
// ctrl/cmd + wheel to zoom at the pointer, double-click or "reset" to go back.
(function () {
  "use strict";
  function setup(fig) {
    var svg = fig.querySelector("svg");
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) return;
    var vb = svg.viewBox.baseVal, home = [vb.x, vb.y, vb.width, vb.height], homeAttr = svg.getAttribute("viewBox");
    var NS = "http://www.w3.org/2000/svg";
    function set(x, y, w, h) {
      var minW = home[2] / 200;
      if (w < minW) { h *= minW / w; w = minW; }
      svg.setAttribute("viewBox", [x, y, w, h].join(" "));
    }
    function reset() { svg.setAttribute("viewBox", homeAttr); }
    function toSvg(evt) {
      var p = svg.createSVGPoint(); p.x = evt.clientX; p.y = evt.clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    }
    function zoomAt(pt, factor) {
      var b = svg.viewBox.baseVal;
      set(pt.x - (pt.x - b.x) / factor, pt.y - (pt.y - b.y) / factor, b.width / factor, b.height / factor);
    }
    var tools = document.createElement("div");
    tools.className = "zoom-tools";
    tools.innerHTML = "<span>drag to zoom · shift-drag to pan · double-click to reset</span>" +
      "<button type='button' data-z='in' aria-label='zoom in'>+</button>" +
      "<button type='button' data-z='out' aria-label='zoom out'>\u2212</button>" +
      "<button type='button' data-z='reset'>reset</button>";
    fig.insertBefore(tools, fig.firstChild);
    tools.addEventListener("click", function (e) {
      var z = e.target.getAttribute("data-z"), b = svg.viewBox.baseVal;
      var c = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      if (z === "in") zoomAt(c, 1.5); else if (z === "out") zoomAt(c, 1 / 1.5); else if (z === "reset") reset();
    });
    var start = null, box = null, panning = false;
    svg.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      start = toSvg(e); panning = e.shiftKey;
      svg.setPointerCapture(e.pointerId);
      if (!panning) {
        box = document.createElementNS(NS, "rect");
        box.setAttribute("class", "zoom-box");
        svg.appendChild(box);
      }
    });
    svg.addEventListener("pointermove", function (e) {
      if (!start) return;
      var p = toSvg(e), b = svg.viewBox.baseVal;
      if (panning) { set(b.x - (p.x - start.x), b.y - (p.y - start.y), b.width, b.height); return; }
      box.setAttribute("x", Math.min(p.x, start.x)); box.setAttribute("y", Math.min(p.y, start.y));
      box.setAttribute("width", Math.abs(p.x - start.x)); box.setAttribute("height", Math.abs(p.y - start.y));
    });
    svg.addEventListener("pointerup", function (e) {
      if (!start) return;
      var p = toSvg(e);
      if (box) {
        box.remove(); box = null;
        var w = Math.abs(p.x - start.x), h = Math.abs(p.y - start.y), b = svg.viewBox.baseVal;
        if (w > b.width / 100 && h > b.height / 100) {
          // keep the figure's aspect ratio (text is never stretched): widen the thinner side
          var aspect = home[2] / home[3], cx = (p.x + start.x) / 2, cy = (p.y + start.y) / 2;
          if (w / h > aspect) h = w / aspect; else w = h * aspect;
          set(cx - w / 2, cy - h / 2, w, h);
        }
      }
      start = null;
    });
    svg.addEventListener("dblclick", reset);
    svg.addEventListener("wheel", function (e) {
      if (!(e.ctrlKey || e.metaKey)) return;  // plain wheel scrolls the page
      e.preventDefault();
      zoomAt(toSvg(e), e.deltaY < 0 ? 1.25 : 0.8);
    }, { passive: false });
  }
  var figs = document.querySelectorAll("figure.zoom");
  for (var i = 0; i < figs.length; i++) setup(figs[i]);
})();
