/* The "Try your own numbers" page: the worked derivation of python -m derivations worked,
 * recomputed in the browser as the reader types. No server, no network, no libraries.
 *
 * Same rules as derivations/render/matrix_syntax.py (parsing) and
 * derivations/mathematics/worked.py (the chain O^k = O^(k-1) ⋆ W^k, C = Σ (O^L − y)²,
 * δ^k = ∂C/∂O^k), exact rational arithmetic on BigInt, and the book's display rule
 * (derivations/render/printed_numbers.py format_number): integers exactly, anything else rounded half-to-even to four decimals. Every number shown is an
 * <mn class="num" data-key="…"> naming the quantity, so a test can check it against Python.
 * The copy box gets the Stack Exchange Markdown that derivations/render/worked_format.py writes,
 * to the byte (tests/test_try_your_numbers_browser.py compares the two).
 */
(function () {
  "use strict";

  // The limits of derivations/worked_limits.py (the audit checks the page prints the same).
  var MAX_DIGITS = 6, MAX_INPUT_SIDE = 12, MAX_KERNELS = 4, MAX_KERNEL_SIDE = 5;
  var SUM_MAX_ENTRIES = 16, SUM_MAX_TERMS = 25, DISPLAY_DECIMALS = 4;
  // Stack Exchange refuses a post longer than this; longer text gets a note under the box.
  var SE_MAX_CHARS = 30000;
  var ALLOWED = "integers like -3, decimals like 0.25, fractions like 1/2";
  var QUOTE_MAX = 24;  // matrix_syntax.QUOTE_MAX: a quoted token is cut beyond this
  var ORDINALS = ["first", "second", "third", "fourth"];
  var MATHML = "http://www.w3.org/1998/Math/MathML";

  // ---- exact rationals ------------------------------------------------------------------
  function gcd(a, b) { a = a < 0n ? -a : a; b = b < 0n ? -b : b; while (b) { var t = a % b; a = b; b = t; } return a; }
  function rat(n, d) {
    if (d === undefined) d = 1n;
    if (d < 0n) { n = -n; d = -d; }
    var g = gcd(n, d) || 1n;
    return { n: n / g, d: d / g };
  }
  var ZERO = rat(0n);
  function add(a, b) { return rat(a.n * b.d + b.n * a.d, a.d * b.d); }
  function sub(a, b) { return rat(a.n * b.d - b.n * a.d, a.d * b.d); }
  function mul(a, b) { return rat(a.n * b.n, a.d * b.d); }

  function formatNumber(r) {
    if (r.d === 1n) return r.n.toString();
    var scale = 10n ** BigInt(DISPLAY_DECIMALS);
    var num = r.n * scale, neg = num < 0n;
    if (neg) num = -num;
    var q = num / r.d, rem = num % r.d;
    if (2n * rem > r.d || (2n * rem === r.d && q % 2n === 1n)) q += 1n;  // half to even
    if (q === 0n) return "0";
    var whole = (q / scale).toString(), frac = (q % scale).toString().padStart(DISPLAY_DECIMALS, "0");
    frac = frac.replace(/0+$/, "");
    return (neg ? "-" : "") + whole + (frac ? "." + frac : "");
  }

  // ---- parsing (mirrors derivations/render/matrix_syntax.py) -----------------------------------
  // field: the form field at fault ("kernel2"); otherwise read from the message's first words.
  function UsageError(message, field) { this.message = message; this.field = field; }

  // JavaScript's \s and trim() are exactly matrix_syntax.SPACES (plus the comma to split on).
  // Beyond QUOTE_MAX characters (code points, as Python counts them) the token is cut with …
  function quote(token) {
    var out = "", width = 0;
    for (var ch of token) {
      var hidden = /[\p{C}\p{Z}]/u.test(ch);
      var piece = hidden ? "\\u" + ch.codePointAt(0).toString(16).padStart(4, "0") : ch;
      var size = hidden ? piece.length : 1;
      if (width + size > QUOTE_MAX) return "'" + out + "\u2026'";
      out += piece;
      width += size;
    }
    return "'" + out + "'";
  }
  function entries(count) { return count + (count === 1 ? " entry" : " entries"); }

  function parseNumber(token, where) {
    var text = token.replace(/\u2212/g, "-");
    if (/^[+-]?(nan|inf|infinity)$/i.test(text))
      throw new UsageError(where + ": " + quote(token) + " is not a finite number; allowed: " + ALLOWED);
    var decimal = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(text);
    var fraction = /^[+-]?[0-9]+\/[0-9]+$/.test(text);
    if (!decimal && !fraction && /[\][()]/.test(text))
      throw new UsageError(where + ": " + quote(token) + " is not a number; write the matrix without brackets, " +
                           "rows separated by ';', e.g. '1 2; 3 4'");
    if (!decimal && !fraction)
      throw new UsageError(where + ": " + quote(token) + " is not a number; allowed: " + ALLOWED);
    var digits = (text.match(/[0-9]/g) || []).length;
    if (digits > MAX_DIGITS)
      throw new UsageError(where + ": " + quote(token) + " has " + digits + " digits; at most " +
                           MAX_DIGITS + " digits per entry");
    var sign = text[0] === "-" ? -1n : 1n;
    text = text.replace(/^[+-]/, "");
    if (fraction) {
      var parts = text.split("/");
      if (BigInt(parts[1]) === 0n)
        throw new UsageError(where + ": " + quote(token) + " divides by zero; a fraction needs a non-zero denominator");
      return rat(sign * BigInt(parts[0]), BigInt(parts[1]));
    }
    var pieces = text.split("."), intPart = pieces[0] || "0", fracPart = pieces[1] || "";
    return rat(sign * BigInt(intPart + fracPart), 10n ** BigInt(fracPart.length));
  }

  function parseMatrix(text, name) {
    if (!text || !text.trim())
      throw new UsageError(name + ": empty; write rows separated by ';' and entries by spaces or commas, e.g. '1 2; 3 4'");
    var rowTexts = text.split(";");
    var rows = rowTexts.map(function (rowText, r) {
      var tokens = rowText.split(/[\s,]+/).filter(function (t) { return t; });
      if (!tokens.length && r === rowTexts.length - 1)
        throw new UsageError(name + ": ends with ';'; rows are separated by ';', so remove the last one");
      if (!tokens.length)
        throw new UsageError(name + ": row " + (r + 1) + " is empty; every row needs at least one entry (rows are separated by ';')");
      if (/,\s*,|^\s*,|,\s*$/.test(rowText))
        throw new UsageError(name + ": row " + (r + 1) + " has an empty entry between commas; give a number between each two commas");
      return tokens.map(function (t, c) { return parseNumber(t, name + " row " + (r + 1) + " entry " + (c + 1)); });
    });
    rows.forEach(function (row, r) {
      if (row.length !== rows[0].length)
        throw new UsageError(name + ": row " + (r + 1) + " has " + entries(row.length) + " but row 1 has " +
                             entries(rows[0].length) + "; every row needs the same number of entries");
    });
    return rows;
  }

  // ---- the chain (mirrors derivations/mathematics/worked.py) ----------------------------------------
  function range(n) { var out = []; for (var i = 0; i < n; i++) out.push(i); return out; }
  function dims(m) { return [m.length, m[0].length]; }
  function sumOf(index, terms) {
    return { index: index, terms: terms, value: terms.reduce(function (s, t) { return add(s, mul(t[0].v, t[1].v)); }, ZERO) };
  }
  function asMatrix(sums, rows, cols) {
    var out = range(rows).map(function () { return []; });
    sums.forEach(function (s) { out[s.index[0]][s.index[1]] = s.value; });
    return out;
  }
  function fac(v, key) { return { v: v, key: key }; }

  function checkChain(x, kernels, target) {
    var hw = dims(x), h = hw[0], w = hw[1];
    if (h > MAX_INPUT_SIDE || w > MAX_INPUT_SIDE)
      throw new UsageError("input is " + h + "×" + w + "; at most " + MAX_INPUT_SIDE + "×" + MAX_INPUT_SIDE + " is allowed");
    if (!kernels.length) throw new UsageError("no kernel given; give 1 to " + MAX_KERNELS + " kernels");
    kernels.forEach(function (k, i) {
      var kh = k.length, kw = k[0].length;
      if (kh > MAX_KERNEL_SIDE || kw > MAX_KERNEL_SIDE)
        throw new UsageError("kernel " + (i + 1) + " is " + kh + "×" + kw + "; at most " + MAX_KERNEL_SIDE + "×" + MAX_KERNEL_SIDE + " is allowed");
      if (kh > h || kw > w)
        throw new UsageError("kernel " + (i + 1) + " is " + kh + "×" + kw + " but " +
                             (i === 0 ? "the input" : "the output of kernel " + i) + " is " + h + "×" + w +
                             "; a valid cross-correlation needs a kernel no larger than the map it slides over");
      h = h - kh + 1; w = w - kw + 1;
    });
    var t = dims(target);
    if (!(t[0] === 1 && t[1] === 1) && !(t[0] === h && t[1] === w))
      throw new UsageError("target is " + t[0] + "×" + t[1] + " but the final output is " + h + "×" + w +
                           "; give one number or a " + h + "×" + w + " matrix");
  }

  function mapKey(k) { return k === 0 ? "input" : "map" + k; }

  function workChain(x, kernels, target) {
    checkChain(x, kernels, target);
    var maps = [x], forwards = [];
    kernels.forEach(function (w, k) {
      var prev = maps[k], hw = dims(prev), kd = dims(w), oh = hw[0] - kd[0] + 1, ow = hw[1] - kd[1] + 1;
      var sums = [];
      range(oh).forEach(function (i) { range(ow).forEach(function (j) {
        var terms = [];
        range(kd[0]).forEach(function (m) { range(kd[1]).forEach(function (n) {
          terms.push([fac(w[m][n], "kernel" + (k + 1) + "[" + m + "," + n + "]"),
                      fac(prev[i + m][j + n], mapKey(k) + "[" + (i + m) + "," + (j + n) + "]")]);
        }); });
        sums.push(sumOf([i, j], terms));
      }); });
      forwards.push(sums);
      maps.push(asMatrix(sums, oh, ow));
    });
    var L = kernels.length, out = maps[L], od = dims(out);
    var isNumber = dims(target)[0] === 1 && dims(target)[1] === 1 && !(od[0] === 1 && od[1] === 1);
    var y = isNumber ? range(od[0]).map(function () { return range(od[1]).map(function () { return target[0][0]; }); }) : target;
    var residual = out.map(function (row, i) { return row.map(function (v, j) { return sub(v, y[i][j]); }); });
    var cost = residual.reduce(function (s, row) { return row.reduce(function (t, r) { return add(t, mul(r, r)); }, s); }, ZERO);
    var delta = residual.map(function (row) { return row.map(function (r) { return mul(rat(2n), r); }); });
    var layers = [];
    for (var k = L - 1; k >= 0; k--) {
      var w = kernels[k], before = maps[k], bd = dims(before), kd = dims(w), dd = dims(delta);
      var gk = [], gi = [];
      range(kd[0]).forEach(function (m) { range(kd[1]).forEach(function (n) {
        var terms = [];
        range(dd[0]).forEach(function (i) { range(dd[1]).forEach(function (j) {
          terms.push([fac(delta[i][j], "delta" + (k + 1) + "[" + i + "," + j + "]"),
                      fac(before[i + m][j + n], mapKey(k) + "[" + (i + m) + "," + (j + n) + "]")]);
        }); });
        gk.push(sumOf([m, n], terms));
      }); });
      range(bd[0]).forEach(function (a) { range(bd[1]).forEach(function (c) {
        var terms = [];
        range(dd[0]).forEach(function (i) { range(dd[1]).forEach(function (j) {
          var m = a - i, n = c - j;
          if (m >= 0 && m < kd[0] && n >= 0 && n < kd[1])
            terms.push([fac(delta[i][j], "delta" + (k + 1) + "[" + i + "," + j + "]"),
                        fac(w[m][n], "kernel" + (k + 1) + "[" + m + "," + n + "]")]);
        }); });
        gi.push(sumOf([a, c], terms));
      }); });
      layers.unshift({ kernel: w, before: before, after: maps[k + 1], forward: forwards[k], delta: delta,
                       gradKernel: asMatrix(gk, kd[0], kd[1]), gradKernelSums: gk,
                       gradBefore: asMatrix(gi, bd[0], bd[1]), gradBeforeSums: gi });
      delta = layers[0].gradBefore;
    }
    return { input: x, target: y, targetIsNumber: isNumber, layers: layers, residual: residual, cost: cost };
  }

  // ---- MathML (Chromium renders it natively; no MathJax) --------------------------------
  function el(tag, attrs, children) {
    var node = document.createElementNS(MATHML, tag);
    Object.keys(attrs || {}).forEach(function (a) { node.setAttribute(a, attrs[a]); });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function mi(t) { return el("mi", {}, [t]); }
  function mo(t) { return el("mo", {}, [t]); }
  function lit(t) { return el("mn", { "class": "lit" }, [t]); }
  function row(children) { return el("mrow", {}, children); }
  function number(value, key) {
    return el("mn", { "class": "num", "data-key": key }, [formatNumber(value).replace("-", "\u2212")]);
  }
  function signed(value, key) {
    var n = number(value, key);
    return formatNumber(value)[0] === "-" ? row([mo("("), n, mo(")")]) : n;
  }
  // symbol(name, sup, sub): O^k_{u,v}; indices are notation (class "lit").
  function symbol(name, sup, subscript) {
    var base = mi(name);
    var supNode = sup === null ? null : lit(String(sup));
    var subNode = subscript === null ? null : el("mrow", {}, [lit(subscript)]);
    if (supNode && subNode) return el("msubsup", {}, [base, subNode, supNode]);
    if (supNode) return el("msup", {}, [base, supNode]);
    if (subNode) return el("msub", {}, [base, subNode]);
    return base;
  }
  function dCd(inner) {
    return el("mfrac", {}, [row([mo("∂"), mi("C")]), row([mo("∂"), inner])]);
  }
  function matrix(values, key) {
    var table = el("mtable", {}, values.map(function (r, i) {
      return el("mtr", {}, r.map(function (v, j) { return el("mtd", {}, [number(v, key + "[" + i + "," + j + "]")]); }));
    }));
    return row([mo("("), table, mo(")")]);
  }
  // Long sums scroll sideways inside their own box instead of widening the page.
  function display(children) {
    var box = document.createElement("div");
    box.className = "worked-equation";
    box.style.overflowX = "auto";
    box.appendChild(el("math", { display: "block" }, children));
    return box;
  }
  function products(terms) {
    if (!terms.length) return [lit("0")];
    var out = [];
    terms.forEach(function (t, i) {
      if (i) out.push(mo("+"));
      out.push(signed(t[0].v, t[0].key), mo("·"), signed(t[1].v, t[1].key));
    });
    return out;
  }

  // ---- the derivation, as HTML + MathML -------------------------------------------------
  function html(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function writtenOut(sums) {
    return sums.length <= SUM_MAX_ENTRIES && sums.every(function (s) { return s.terms.length <= SUM_MAX_TERMS; });
  }

  // A column of sums lines up on "=": columnalign for MathML renderers that read it, CSS for
  // Chromium's MathML Core, which lays an mtable out as a CSS table and ignores columnalign.
  var RIGHT = { style: "text-align: right" }, LEFT = { style: "text-align: left" };

  // One step: each entry as a sum of products (small) and the resulting matrix.
  function step(box, entrySymbol, wholeSymbol, sums, values, key) {
    if (writtenOut(sums)) {
      var table = el("mtable", { columnalign: "right left" }, sums.map(function (s) {
        var idx = s.index[0] + "," + s.index[1];
        return el("mtr", {}, [el("mtd", RIGHT, [entrySymbol(idx)]),
          el("mtd", LEFT, [row([mo("=")].concat(products(s.terms), [mo("="), number(s.value, key + "[" + idx + "]")]))])]);
      }));
      box.appendChild(display([table]));
    } else {
      box.appendChild(html("p", "This step is too large to write every sum out, so here is its result:"));
    }
    box.appendChild(display([wholeSymbol, mo("="), matrix(values, key)]));
  }

  function render(chain, box) {
    var L = chain.layers.length;
    box.appendChild(html("h3", "Your numbers"));
    var given = [mi("X"), mo("="), matrix(chain.input, "input")];
    chain.layers.forEach(function (layer, k) {
      given.push(mo(","), symbol("W", k + 1, null), mo("="), matrix(layer.kernel, "kernel" + (k + 1)));
    });
    given.push(mo(","), mi("y"), mo("="), matrix(chain.target, "target"));
    box.appendChild(display(given));

    box.appendChild(html("h3", "Forward pass"));
    chain.layers.forEach(function (layer, k) {
      box.appendChild(html("p", "Through the " + ORDINALS[k] + " kernel:"));
      step(box, function (idx) { return symbol("O", k + 1, idx); }, symbol("O", k + 1, null),
           layer.forward, layer.after, "map" + (k + 1));
    });

    box.appendChild(html("h3", "Cost"));
    var out = chain.layers[L - 1].after, terms = [], squares = [];
    out.forEach(function (r, i) { r.forEach(function (v, j) {
      var idx = "[" + i + "," + j + "]";
      if (terms.length) { terms.push(mo("+")); squares.push(mo("+")); }
      terms.push(el("msup", {}, [row([mo("("), number(v, "map" + L + idx), mo("−"),
                                      signed(chain.target[i][j], "target" + idx), mo(")")]), lit("2")]));
      squares.push(el("msup", {}, [signed(chain.residual[i][j], "residual" + idx), lit("2")]));
    }); });
    if (out.length * out[0].length <= SUM_MAX_ENTRIES) {
      box.appendChild(display([mi("C"), mo("=")].concat(terms, [mo("=")], squares,
                                                          [mo("="), number(chain.cost, "cost")])));
    } else {
      box.appendChild(display([symbol("O", L, null), mo("−"), mi("y"), mo("="), matrix(chain.residual, "residual"),
                               mo(","), mi("C"), mo("="), number(chain.cost, "cost")]));
    }

    box.appendChild(html("h3", "Gradient at the output"));
    box.appendChild(html("p", "δ is ∂C/∂O for each map; at the output it is twice the error:"));
    var lastDelta = chain.layers[L - 1].delta;
    var deltaSums = [];
    lastDelta.forEach(function (r, i) { r.forEach(function (v, j) { deltaSums.push([i, j]); }); });
    if (deltaSums.length <= SUM_MAX_ENTRIES) {
      box.appendChild(display([el("mtable", { columnalign: "right left" }, deltaSums.map(function (ij) {
        var idx = ij[0] + "," + ij[1];
        return el("mtr", {}, [el("mtd", RIGHT, [symbol("δ", L, idx)]), el("mtd", LEFT, [row([
          mo("="), lit("2"), mo("·"), signed(chain.residual[ij[0]][ij[1]], "residual[" + idx + "]"),
          mo("="), number(lastDelta[ij[0]][ij[1]], "delta" + L + "[" + idx + "]")])])]);
      }))]));
    } else {
      box.appendChild(display([symbol("δ", L, null), mo("="), matrix(lastDelta, "delta" + L)]));
    }

    for (var k = L; k >= 1; k--) {
      var layer = chain.layers[k - 1];
      box.appendChild(html("h3", "Back through the " + ORDINALS[k - 1] + " kernel"));
      box.appendChild(html("p", "Its weights: each weight's gradient sums δ times the entry the weight met in each window."));
      (function (k) {
        step(box, function (idx) { return dCd(symbol("W", k, idx)); }, dCd(symbol("W", k, null)),
             layer.gradKernelSums, layer.gradKernel, "grad_kernel" + k);
      })(k);
      if (k === 1) {
        box.appendChild(html("p", "The input: each entry collects δ times the weight that connected it to each output (a scatter)."));
        step(box, function (idx) { return dCd(symbol("X", null, idx)); }, dCd(mi("X")),
             layer.gradBeforeSums, layer.gradBefore, "grad_input");
      } else {
        box.appendChild(html("p", "The map before it: each entry collects δ times the weight that connected it to each output (a scatter)."));
        (function (k) {
          step(box, function (idx) { return symbol("δ", k - 1, idx); }, symbol("δ", k - 1, null),
               layer.gradBeforeSums, layer.gradBefore, "delta" + (k - 1));
        })(k);
      }
    }
  }

  // ---- Stack Exchange Markdown (the same text as derivations/render/worked_format.py) -----------
  var BOOK_URL = "https://convbackprop.github.io/convbackprop/";
  var LINKS = {
    forward: BOOK_URL + "seed/forward-pass/", cost: BOOK_URL + "seed/grad-w2/",
    last_weights: BOOK_URL + "seed/grad-w2/", earlier_weights: BOOK_URL + "seed/grad-w1/#chain-rule-for-w1",
    map_gradient: BOOK_URL + "seed/grad-w1/#chain-rule-for-w1", input_gradient: BOOK_URL + "seed/grad-input/#scatter",
    general_weights: BOOK_URL + "general/layer/#weight-gradient", general_input: BOOK_URL + "general/layer/#input-gradient",
    tool: BOOK_URL + "tools/try-your-numbers/"
  };
  var COUNT_WORDS = ["one", "two", "three", "four"];

  function texNumber(v) { return formatNumber(v); }
  function texSigned(v) { var t = formatNumber(v); return t[0] === "-" ? "(" + t + ")" : t; }
  function texMatrix(values) {
    return "\\begin{pmatrix}" + values.map(function (r) { return r.map(texNumber).join(" & "); }).join(" \\\\ ") +
           "\\end{pmatrix}";
  }
  function texEntry(symbol, index) {
    return symbol.indexOf("\\frac") === 0 ? symbol.slice(0, -1) + "_{" + index + "}}" : symbol + "_{" + index + "}";
  }
  function texStep(symbol, whole, sums, values) {
    var result = "$$\n" + whole + " = " + texMatrix(values) + "\n$$\n";
    if (!writtenOut(sums))
      return "\nThis step is too large to write every sum out, so here is its result:\n\n" + result;
    var rows = sums.map(function (s) {
      var products = s.terms.length ? s.terms.map(function (t) {
        return texSigned(t[0].v) + " \\cdot " + texSigned(t[1].v);
      }).join(" + ") : "0";
      return texEntry(symbol, s.index[0] + "," + s.index[1]) + " &= " + products + " = " + texNumber(s.value);
    });
    return "$$\n\\begin{align*}\n" + rows.join(" \\\\\n") + "\n\\end{align*}\n$$\n" + "\nso\n\n" + result;
  }

  function stackExchangeText(chain) {
    var L = chain.layers.length, parts = [];
    var chainText = chain.layers.map(function (layer, i) {
      var k = i + 1;
      return "$O^{" + k + "} = " + (k === 1 ? "X" : "O^{" + (k - 1) + "}") + " \\star W^{" + k + "}$";
    }).join(", ");
    parts.push("# Worked derivation\n\nThe input $X$ goes through " +
      (L === 1 ? "one kernel, a" : COUNT_WORDS[L - 1] + " kernels in turn, each a") +
      " valid cross-correlation (the kernel slides over the map without flipping and stays inside it;" +
      " no bias): " + chainText + ". The cost is the sum of squared errors against the target $y$: " +
      "$C = \\sum_{u,v} (O^{" + L + "}_{u,v} - y_{u,v})^{2}$. Indices count from zero, row first. Numbers that are " +
      "not integers are shown rounded to four decimals; the computation itself is exact.\n\n");
    var given = ["X = " + texMatrix(chain.input)].concat(chain.layers.map(function (layer, i) {
      return "W^{" + (i + 1) + "} = " + texMatrix(layer.kernel);
    }));
    var target = chain.targetIsNumber ? "y_{u,v} = " + texNumber(chain.target[0][0]) : "y = " + texMatrix(chain.target);
    parts.push("## Your numbers\n\n$$\n" + given.join(", \\quad ") + ", \\quad " + target + "\n$$\n\n" +
      (chain.targetIsNumber ? "(the same target for every output entry)\n\n" : ""));
    parts.push("## Forward pass\n\nEach entry of a map is the sum of the products of the kernel with the window under it " +
      "([forward pass](" + LINKS.forward + ")), with $O^{0} = X$:\n\n" +
      "$$\nO^{\\ell}_{u,v} = \\sum_{m,n} W^{\\ell}_{m,n} \\, O^{\\ell-1}_{u+m,\\,v+n}\n$$\n\n");
    chain.layers.forEach(function (layer, i) {
      var k = i + 1, before = k === 1 ? "X" : "O^{" + (k - 1) + "}";
      parts.push("### The " + ORDINALS[i] + " kernel\n\n" +
        texStep("O^{" + k + "}", "O^{" + k + "} = " + before + " \\star W^{" + k + "}", layer.forward, layer.after) + "\n");
    });
    var out = chain.layers[L - 1].after, cells = [];
    out.forEach(function (r, i) { r.forEach(function (v, j) { cells.push([i, j]); }); });
    var small = cells.length <= SUM_MAX_ENTRIES, sumC = "\\sum_{u,v} (O^{" + L + "}_{u,v} - y_{u,v})^{2}";
    var costText = small
      ? "$$\nC = " + sumC + " = " + cells.map(function (c) {
          return "(" + texNumber(out[c[0]][c[1]]) + " - " + texSigned(chain.target[c[0]][c[1]]) + ")^{2}";
        }).join(" + ") + " = " + cells.map(function (c) { return texSigned(chain.residual[c[0]][c[1]]) + "^{2}"; }).join(" + ") +
        " = " + texNumber(chain.cost) + "\n$$\n\n"
      : "$$\nO^{" + L + "} - y = " + texMatrix(chain.residual) + ", \\quad C = " + sumC + " = " + texNumber(chain.cost) + "\n$$\n\n";
    var lastDelta = chain.layers[L - 1].delta;
    var written = small
      ? "$$\n\\begin{align*}\n" + cells.map(function (c) {
          return "\\delta^{" + L + "}_{" + c[0] + "," + c[1] + "} &= 2 \\cdot " + texSigned(chain.residual[c[0]][c[1]]) +
                 " = " + texNumber(lastDelta[c[0]][c[1]]);
        }).join(" \\\\\n") + "\n\\end{align*}\n$$\n\n"
      : "$$\n\\delta^{" + L + "} = " + texMatrix(lastDelta) + "\n$$\n\n";
    parts.push("## Cost\n\n" + costText + "## Gradient at the output\n\n" +
      "Write $\\delta^{\\ell} = \\partial C / \\partial O^{\\ell}$ for the gradient of the cost with respect to each map. " +
      "At the output, the derivative of each square is ([the same step in the book](" + LINKS.cost + ")):\n\n" +
      "$$\n\\delta^{" + L + "}_{u,v} = \\frac{\\partial C}{\\partial O^{" + L + "}_{u,v}} = 2 \\, (O^{" + L +
      "}_{u,v} - y_{u,v})\n$$\n\n" + written);
    for (var k = L; k >= 1; k--) {
      var layer = chain.layers[k - 1], before = k === 1 ? "X" : "O^{" + (k - 1) + "}";
      var dW = "\\frac{\\partial C}{\\partial W^{" + k + "}}";
      var target2 = k === 1 ? "\\frac{\\partial C}{\\partial X}" : "\\delta^{" + (k - 1) + "}";
      var link = k === 1 ? LINKS.input_gradient : LINKS.map_gradient;
      var what = k === 1 ? "input" : "map before it";
      parts.push("## Back through the " + ORDINALS[k - 1] + " kernel\n\n" +
        "**Its weights.** Each weight $W^{" + k + "}_{m,n}$ multiplies one entry of every window, so its gradient sums, " +
        "over all outputs of this kernel, $\\delta^{" + k + "}$ times the entry of $" + before + "$ that the weight met " +
        "([in the book](" + (k === L ? LINKS.last_weights : LINKS.earlier_weights) + "); [in general](" +
        LINKS.general_weights + ")):\n\n" +
        "$$\n\\frac{\\partial C}{\\partial W^{" + k + "}_{m,n}} = \\sum_{u,v} \\delta^{" + k + "}_{u,v} \\, " + before +
        "_{u+m,\\,v+n}\n$$\n\n" +
        texStep(dW, dW, layer.gradKernelSums, layer.gradKernel) +
        "\n**The " + what + ".** Each entry of $" + before + "$ reaches the outputs whose windows cover it, each through " +
        "one weight; its gradient adds those paths up, a scatter of $\\delta^{" + k + "}$ through the kernel ([in the book](" +
        link + "); [in general](" + LINKS.general_input + ")):\n\n" +
        "$$\n" + texEntry(target2, "a,c") + " = \\sum_{u,v} \\delta^{" + k + "}_{u,v} \\, W^{" + k + "}_{a-u,\\,c-v}\n$$\n\n" +
        "(only the terms where $W^{" + k + "}_{a-u,\\,c-v}$ exists).\n\n" +
        texStep(target2, target2, layer.gradBeforeSums, layer.gradBefore) + "\n");
    }
    var summary = chain.layers.map(function (layer, i) {
      return "\\frac{\\partial C}{\\partial W^{" + (i + 1) + "}} = " + texMatrix(layer.gradKernel);
    }).concat(["\\frac{\\partial C}{\\partial X} = " + texMatrix(chain.layers[0].gradBefore)]);
    parts.push("## Summary\n\n$$\nC = " + texNumber(chain.cost) + ", \\quad " + summary.join(", \\quad ") +
      "\n$$\n\nWorked by the convbackprop book's worked tool ([try your own numbers](" + LINKS.tool + ")).\n");
    return parts.join("");
  }

  // ---- the form ---------------------------------------------------------------------------
  var FIELDS = ["input", "kernel1", "kernel2", "kernel3", "kernel4", "target"];

  // The field a message is about: "kernel 2 row 1 …" → kernel2, "no kernel given" → kernel1.
  function fieldOf(error) {
    if (error.field) return error.field;
    var m = /^(input|target|kernel (\d))\b/.exec(error.message);
    if (m) return m[2] ? "kernel" + m[2] : m[1];
    return /^no kernel/.test(error.message) ? "kernel1" : null;
  }

  function markField(form, bad) {
    FIELDS.forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (!input) return;
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== "worked-error";
      });
      if (name === bad) {
        input.setAttribute("aria-invalid", "true");
        described.unshift("worked-error");
      } else {
        input.removeAttribute("aria-invalid");
      }
      input.setAttribute("aria-describedby", described.join(" "));
    });
  }

  function update(form, box, errorBox) {
    var answer = document.getElementById("worked-stackexchange");
    var copy = document.getElementById("worked-copy");
    var note = document.getElementById("worked-length");
    var status = document.getElementById("worked-copy-status");
    var field = function (name) { return form.querySelector("[name='" + name + "']").value; };
    box.textContent = "";
    errorBox.textContent = "";
    if (copy) copy.textContent = "Copy";
    if (status) status.textContent = "";
    try {
      var x = parseMatrix(field("input"), "input");
      var kernels = [];
      var gap = 0;
      for (var k = 1; k <= MAX_KERNELS; k++) {
        var text = field("kernel" + k);
        if (!text || !text.trim()) { gap = gap || k; continue; }
        if (gap) throw new UsageError("kernel " + k + " is given but kernel " + gap + " is empty; fill the kernels in order",
                                      "kernel" + gap);
        kernels.push(parseMatrix(text, "kernel " + k));
      }
      var target = parseMatrix(field("target"), "target");
      var chain = workChain(x, kernels, target);
      render(chain, box);
      var markdown = stackExchangeText(chain);
      if (answer) answer.value = markdown;
      if (note) note.textContent = markdown.length > SE_MAX_CHARS
        ? "This text is " + markdown.length + " characters long; Stack Exchange accepts at most " + SE_MAX_CHARS +
          " in a post, so use a smaller input or fewer kernels, or split it over two posts."
        : "";
      if (copy) copy.disabled = false;
      markField(form, null);
      box.setAttribute("data-state", "ok");
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      errorBox.textContent = "error: " + error.message;
      if (answer) answer.value = "";
      if (note) note.textContent = "";
      if (copy) copy.disabled = true;
      markField(form, fieldOf(error));
      box.setAttribute("data-state", "error");
    }
  }

  function start() {
    var form = document.getElementById("worked-form");
    if (!form) return;
    var box = document.getElementById("worked-output");
    var errorBox = document.getElementById("worked-error");
    form.addEventListener("input", function () { update(form, box, errorBox); });
    form.addEventListener("submit", function (event) { event.preventDefault(); update(form, box, errorBox); });
    var copy = document.getElementById("worked-copy");
    var answer = document.getElementById("worked-stackexchange");
    var status = document.getElementById("worked-copy-status");
    if (copy && answer) copy.addEventListener("click", function () {
      answer.select();
      var done = function () {
        copy.textContent = "Copied";
        if (status) status.textContent = "Copied to the clipboard.";
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(answer.value).then(done, function () {});
      else if (document.execCommand("copy")) done();
    });
    update(form, box, errorBox);
  }

  window.convbackpropWorked = { parseMatrix: parseMatrix, workChain: workChain, formatNumber: formatNumber,
                                stackExchangeText: stackExchangeText };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
