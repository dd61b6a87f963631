/* The "Try your own numbers" page: the derivation of `python -m derivations worked --network`,
 * recomputed in the browser as the reader types. No server, no network, no libraries.
 *
 * One file, two roles. In the page it runs the form; the computation runs in a Web Worker
 * started from this same file, so typing never waits for it, and a computation made stale by
 * further typing is stopped (the worker is terminated and a fresh one started).
 *
 * The same rules as the Python (checked character for character by
 * tests/test_try_your_numbers_browser.py):
 *   derivations/render/matrix_syntax.py     the matrix syntax and its messages
 *   derivations/render/network_form.py      the form's fields -> a network description
 *   derivations/render/network_description.py, mathematics/network.py   checks and messages
 *   derivations/mathematics/network.py      conv, ReLU, pooling, SSE/MSE, every sum's terms
 *   derivations/render/network_format.py    the derivation's Markdown, to the byte
 *   derivations/render/printed_numbers.py   integers exactly, else half-to-even at 4 decimals
 * Arithmetic is exact and gcd-free: every tensor keeps integer numerators over one shared
 * BigInt denominator, so no fraction is ever reduced (reducing is what made long sums slow).
 */
(function () {
  "use strict";

  // The limits of derivations/worked_limits.py (the audit checks the page prints the same).
  var MAX_DIGITS = 6, MAX_INPUT_SIDE = 12, MAX_KERNELS = 4, MAX_KERNEL_SIDE = 5;
  var SUM_MAX_ENTRIES = 16, SUM_MAX_TERMS = 25, DISPLAY_DECIMALS = 4;
  var MAX_LAYERS = 8, MAX_CHANNELS = 4, MAX_STRIDE = 4, MAX_PADDING = 4, MAX_DILATION = 4;
  var MAX_PRODUCTS = 6000;
  // Stack Exchange refuses a post longer than this; longer text gets a note under the box.
  var SE_MAX_CHARS = 30000;
  var ALLOWED = "integers like -3, decimals like 0.25, fractions like 1/2";
  var BOOK_URL = "https://convbackprop.github.io/convbackprop/";
  var QUOTE_MAX = 24;  // matrix_syntax.QUOTE_MAX: a quoted token is cut beyond this

  // ---- exact numbers: {n, d} with d > 0, never reduced -------------------------------------
  function gcd(a, b) { a = a < 0n ? -a : a; b = b < 0n ? -b : b; while (b) { var t = a % b; a = b; b = t; } return a; }
  function Q(n, d) { return { n: n, d: d === undefined ? 1n : d }; }
  function reduced(n, d) { if (d < 0n) { n = -n; d = -d; } var g = gcd(n, d) || 1n; return Q(n / g, d / g); }
  function lt(a, b) { return a.n * b.d < b.n * a.d; }
  function gt(a, b) { return a.n * b.d > b.n * a.d; }

  function formatNumber(x) {
    var scale = 10n ** BigInt(DISPLAY_DECIMALS);
    var num = x.n * scale, neg = num < 0n;
    if (neg) num = -num;
    var q = num / x.d, rem = num % x.d;
    if (2n * rem > x.d || (2n * rem === x.d && q % 2n === 1n)) q += 1n;  // half to even
    if (q === 0n) return "0";
    var whole = (q / scale).toString(), frac = (q % scale).toString().padStart(DISPLAY_DECIMALS, "0");
    frac = frac.replace(/0+$/, "");
    return (neg ? "-" : "") + whole + (frac ? "." + frac : "");
  }

  // ---- parsing (mirrors derivations/render/matrix_syntax.py) ---------------------------------
  function UsageError(message) { this.message = message; }

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
      return reduced(sign * BigInt(parts[0]), BigInt(parts[1]));
    }
    var pieces = text.split("."), intPart = pieces[0] || "0", fracPart = pieces[1] || "";
    return reduced(sign * BigInt(intPart + fracPart), 10n ** BigInt(fracPart.length));
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

  // ---- the form -> a description (mirrors derivations/render/network_form.py) -----------------
  var OPTIONS = { conv: ["stride", "padding", "dilation"], relu: [], maxpool: ["kernel", "stride"],
                  avgpool: ["kernel", "stride"] };
  function blank(text) { return text === undefined || text === null || !text.trim(); }
  function size(m) { return m.length + "×" + m[0].length; }
  function Literal(text) { this.text = text; }  // a JSON number's text: checked as an option

  function parseChannels(text, name) {
    if (text.indexOf("|") < 0) return [parseMatrix(text, name)];
    var channels = text.split("|").map(function (part, c) { return parseMatrix(part, name + "[" + c + "]"); });
    channels.forEach(function (m, c) {
      if (c && size(m) !== size(channels[0]))
        throw new UsageError(name + "[" + c + "]: is " + size(m) + " but " + name + "[0] is " + size(channels[0]) +
                             "; every channel must have the same size");
    });
    return channels;
  }

  function parseWeight(text, name) {
    if (text.indexOf("|") < 0) return parseMatrix(text, name);
    var weight = text.split("||").map(function (out, o) {
      return out.split("|").map(function (part, c) { return parseMatrix(part, name + "[" + o + "][" + c + "]"); });
    });
    weight.forEach(function (slices, o) {
      if (slices.length !== weight[0].length)
        throw new UsageError(name + "[" + o + "]: has " + slices.length + " input channel" +
                             (slices.length !== 1 ? "s" : "") + " but " + name + "[0] has " +
                             weight[0].length + "; every output channel needs one kernel per input channel");
      slices.forEach(function (m, c) {
        if (size(m) !== size(weight[0][0]))
          throw new UsageError(name + "[" + o + "][" + c + "]: is " + size(m) + " but " + name + "[0][0] is " +
                               size(weight[0][0]) + "; every kernel of a layer has the same size");
      });
    });
    return weight;
  }

  function option(text) {
    var values = text.split(/[\s,]+/).filter(function (t) { return t; }).map(function (t) { return new Literal(t); });
    return values.length === 1 ? values[0] : values;
  }

  function parseRate(text, name) {
    var rate = parseNumber(text.trim(), name);
    if (rate.n <= 0n)
      throw new UsageError(name + ": got " + text.trim() + "; the learning rate must be positive, e.g. 0.01 or 1/100");
    return rate;
  }

  function descriptionFromForm(fields) {
    var channels = parseChannels(fields.input || "", "input");
    var description = { input: channels.length > 1 ? channels : channels[0], layers: [] };
    for (var k = 0; ("layer" + k + "-type") in fields; k++) {
      var kind = fields["layer" + k + "-type"], where = "layers[" + k + "] (" + kind + ")";
      var layer = { type: kind };
      if (kind === "conv") {
        layer.weight = parseWeight(fields["layer" + k + "-weight"] || "", where + " weight");
        var bias = fields["layer" + k + "-bias"];
        if (!blank(bias)) {
          var rows = parseMatrix(bias, where + " bias");
          if (rows.length !== 1)
            throw new UsageError(where + " bias: has " + rows.length + " rows; write the bias as one row, one number per output channel");
          layer.bias = rows[0];
        }
      }
      (OPTIONS[kind] || []).forEach(function (name) {
        var text = fields["layer" + k + "-" + name];
        if (!blank(text)) layer[name] = option(text);
      });
      description.layers.push(layer);
    }
    var target = parseChannels(fields.target || "", "target");
    var one = target.length === 1 && target[0].length === 1 && target[0][0].length === 1;
    description.target = one ? target[0][0][0] : (target.length > 1 ? target : target[0]);
    description.loss = "loss" in fields ? fields.loss : "sse";
    return description;
  }

  // ---- the description -> a checked network (mirrors network_description.parse_network) ----
  function depth(value) { var d = 0; while (Array.isArray(value)) { d++; value = value[0]; } return d; }
  // network_description._JSON_NUMBER: a Literal that is no short JSON number is quoted and cut.
  var JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
  function describeValue(value) {
    if (value instanceof Literal)
      return value.text.length <= QUOTE_MAX && JSON_NUMBER.test(value.text) ? value.text : quote(value.text);
    if (Array.isArray(value)) return "a list";
    return "the string " + JSON.stringify(String(value).slice(0, 20));
  }

  function parseOption(item, key, fallback, low, where) {
    if (!(key in item)) return Array.isArray(fallback) ? fallback : [fallback, fallback];
    var value = item[key], allowed = "an integer ≥ " + low + " or a pair [h, w] of them";
    if (Array.isArray(value) && value.length !== 2)
      throw new UsageError(where + " " + key + ": got " + value.length + " values; give " + allowed);
    var items = Array.isArray(value) ? value : [value];
    var out = items.map(function (entry, i) {
      var at = Array.isArray(value) ? where + " " + key + "[" + i + "]" : where + " " + key;
      if (!(entry instanceof Literal) || !/^-?[0-9]+$/.test(entry.text))
        throw new UsageError(at + ": got " + describeValue(entry) + "; give " + allowed);
      if (entry.text.length > 6)
        throw new UsageError(at + ": got " + entry.text.slice(0, 8) + "…, far too large; give " + allowed + " within the limits");
      var number = parseInt(entry.text, 10);
      if (number < low) throw new UsageError(at + ": got " + number + "; give " + allowed);
      return number;
    });
    return out.length === 1 ? [out[0], out[0]] : out;
  }

  // A tensor: nested arrays of {n, d}; every entry of one tensor shares one denominator.
  function common(nested) {
    var flat = [];
    (function walk(t) { if (Array.isArray(t)) t.forEach(walk); else flat.push(t); })(nested);
    var den = flat.reduce(function (l, x) { return l / gcd(l, x.d) * x.d; }, 1n);
    return mapT(nested, function (x) { return Q(x.n * (den / x.d), den); });
  }
  function mapT(t, f, index) {
    index = index || [];
    return Array.isArray(t) ? t.map(function (item, k) { return mapT(item, f, index.concat([k])); }) : f(t, index);
  }
  function shape(t) { var s = []; while (Array.isArray(t)) { s.push(t.length); t = t[0]; } return s; }
  function at(t, index) { index.forEach(function (k) { t = t[k]; }); return t; }
  function denOf(t) { while (Array.isArray(t)) t = t[0]; return t.d; }
  function cells(dims) {
    var out = [[]];
    dims.forEach(function (n) {
      var next = [];
      out.forEach(function (prefix) { for (var k = 0; k < n; k++) next.push(prefix.concat([k])); });
      out = next;
    });
    return out;
  }
  function nest(values, dims) {
    var out = mapT(zeros(dims), function () { return null; });
    cells(dims).forEach(function (index, k) {
      var t = out;
      for (var a = 0; a < index.length - 1; a++) t = t[index[a]];
      t[index[index.length - 1]] = values[k];
    });
    return out;
  }
  function zeros(dims) {
    if (!dims.length) return null;
    var out = [];
    for (var k = 0; k < dims[0]; k++) out.push(dims.length === 1 ? null : zeros(dims.slice(1)));
    return out;
  }

  function parseNetwork(description) {
    var input = description.input, inputRank = depth(input);
    var x = common(inputRank === 2 ? [input] : input);
    var layers = description.layers.map(function (item, k) {
      var kind = item.type, where = "layers[" + k + "] (" + kind + ")";
      if (!Object.prototype.hasOwnProperty.call(OPTIONS, kind))
        throw new UsageError("layers[" + k + "] type: unknown layer type " + describeValue(kind) +
                             "; give one of conv, relu, maxpool, avgpool");
      if (kind === "relu") return { kind: "relu" };
      if (kind === "conv") {
        var rank = depth(item.weight);
        return { kind: "conv", weight: common(rank === 2 ? [[item.weight]] : item.weight), weightRank: rank,
                 bias: item.bias ? common(item.bias) : null,
                 stride: parseOption(item, "stride", 1, 1, where),
                 padding: parseOption(item, "padding", 0, 0, where),
                 dilation: parseOption(item, "dilation", 1, 1, where) };
      }
      if (!("kernel" in item))
        throw new UsageError(where + ': missing key "kernel"; give the window size, e.g. 2');
      var kernel = parseOption(item, "kernel", null, 1, where);
      return { kind: kind, kernel: kernel, stride: parseOption(item, "stride", kernel, 1, where) };
    });
    if (description.loss !== "sse" && description.loss !== "mse")
      throw new UsageError("loss: got " + describeValue(description.loss) +
                           '; give "sse" (sum of squared errors, the default) or "mse" (their mean)');
    var target = description.target, targetRank = Array.isArray(target) ? depth(target) : 0;
    var network = { input: x, inputRank: inputRank, layers: layers, loss: description.loss,
                    target: targetRank === 0 ? target : common(targetRank === 2 ? [target] : target),
                    targetRank: targetRank };
    checkNetwork(network);
    return network;
  }

  // ---- checks (mirrors mathematics/network.py check_network) ----------------------------------
  function sizeText(dims) { return dims.join("×"); }
  function positions(size, pad, k, s, d) {
    var span = size + 2 * pad - d * (k - 1);
    return span <= 0 ? 0 : Math.floor((span - 1) / s) + 1;
  }
  function outputShape(here, layer) {
    if (layer.kind === "conv") {
      var w = shape(layer.weight);
      return [w[0], positions(here[1], layer.padding[0], w[2], layer.stride[0], layer.dilation[0]),
              positions(here[2], layer.padding[1], w[3], layer.stride[1], layer.dilation[1])];
    }
    if (layer.kind === "relu") return here.slice();
    return [here[0], Math.floor((here[1] - layer.kernel[0]) / layer.stride[0]) + 1,
            Math.floor((here[2] - layer.kernel[1]) / layer.stride[1]) + 1];
  }
  function optionText(v) { return v[0] === v[1] ? String(v[0]) : "[" + v[0] + ", " + v[1] + "]"; }
  function checkOption(where, name, value, low, high) {
    value.forEach(function (item) {
      if (item < low || item > high)
        throw new UsageError(where + " " + name + ": got " + item + "; give an integer from " + low + " to " + high +
                             ", or a pair [h, w] of them");
    });
  }

  function checkNetwork(network) {
    var here = shape(network.input);
    if (here[1] > MAX_INPUT_SIDE || here[2] > MAX_INPUT_SIDE)
      throw new UsageError("input: is " + sizeText(here.slice(1)) + "; at most " + MAX_INPUT_SIDE + "×" + MAX_INPUT_SIDE + " is allowed");
    if (here[0] > MAX_CHANNELS)
      throw new UsageError("input: has " + here[0] + " channels; at most " + MAX_CHANNELS + " are allowed");
    var layers = network.layers;
    if (!layers.length) throw new UsageError("layers: empty; give 1 to " + MAX_LAYERS + " layers, at least one conv");
    if (layers.length > MAX_LAYERS) throw new UsageError("layers: " + layers.length + " given; at most " + MAX_LAYERS + " are allowed");
    var convs = layers.filter(function (l) { return l.kind === "conv"; }).length;
    if (!convs) throw new UsageError('layers: no "conv" layer; a network needs at least one convolution');
    if (convs > MAX_KERNELS) throw new UsageError("layers: " + convs + " conv layers; at most " + MAX_KERNELS + " are allowed");
    var products = 0;
    layers.forEach(function (layer, k) {
      var where = "layers[" + k + "] (" + layer.kind + ")";
      if (layer.kind === "conv") {
        checkConv(layer, here, where);
        var out = outputShape(here, layer), w = shape(layer.weight);
        products += out[0] * out[1] * out[2] * w[1] * w[2] * w[3];
      } else if (layer.kind !== "relu") {
        checkOption(where, "kernel", layer.kernel, 1, MAX_KERNEL_SIDE);
        checkOption(where, "stride", layer.stride, 1, MAX_STRIDE);
        if (layer.kernel[0] > here[1] || layer.kernel[1] > here[2])
          throw new UsageError(where + " kernel: a " + layer.kernel[0] + "×" + layer.kernel[1] + " window does not fit the " +
                               sizeText(here.slice(1)) + " map it meets; a pooling window must lie inside the map");
      }
      here = outputShape(here, layer);
      if (here[1] > MAX_INPUT_SIDE || here[2] > MAX_INPUT_SIDE)
        throw new UsageError(where + ": its output is " + sizeText(here.slice(1)) + "; every map is at most " +
                             MAX_INPUT_SIDE + "×" + MAX_INPUT_SIDE + ", so use less padding");
    });
    if (products > MAX_PRODUCTS)
      throw new UsageError("layers: the forward pass multiplies " + products + " products; at most " + MAX_PRODUCTS +
                           " are allowed, so use fewer channels, smaller maps or smaller kernels");
    if (network.targetRank) {
      var given = shape(network.target);
      if (given.join() !== here.join()) {
        if (network.targetRank === 2) given = given.slice(1);
        var want = here[0] === 1 ? sizeText(here.slice(1)) + " (one channel)" : here[0] + " channels of " + sizeText(here.slice(1));
        throw new UsageError("target: is " + sizeText(given) + " but the output is " + want +
                             "; give one number or an array of the output's shape");
      }
    }
  }

  function checkConv(conv, here, where) {
    var w = shape(conv.weight), kh = w[2], kw = w[3];
    if (kh > MAX_KERNEL_SIDE || kw > MAX_KERNEL_SIDE)
      throw new UsageError(where + " weight: kernel is " + kh + "×" + kw + "; at most " + MAX_KERNEL_SIDE + "×" + MAX_KERNEL_SIDE + " is allowed");
    if (w[0] > MAX_CHANNELS)
      throw new UsageError(where + " weight: has " + w[0] + " output channels (axis 0); at most " + MAX_CHANNELS + " are allowed");
    if (w[1] !== here[0])
      throw new UsageError(where + " weight: expects " + w[1] + " input channel" + (w[1] !== 1 ? "s" : "") +
                           " (axis 1) but the map it meets has " + here[0] + "; they must be equal");
    if (conv.bias && conv.bias.length !== w[0])
      throw new UsageError(where + " bias: has " + conv.bias.length + " entr" + (conv.bias.length !== 1 ? "ies" : "y") +
                           "; give one per output channel, " + w[0]);
    checkOption(where, "stride", conv.stride, 1, MAX_STRIDE);
    checkOption(where, "padding", conv.padding, 0, MAX_PADDING);
    checkOption(where, "dilation", conv.dilation, 1, MAX_DILATION);
    var span = [conv.dilation[0] * (kh - 1) + 1, conv.dilation[1] * (kw - 1) + 1];
    var padded = [here[1] + 2 * conv.padding[0], here[2] + 2 * conv.padding[1]];
    if (span[0] > padded[0] || span[1] > padded[1]) {
      var sizeWords = conv.dilation[0] === 1 && conv.dilation[1] === 1 ? "is " + kh + "×" + kw
        : kh + "×" + kw + " with dilation " + optionText(conv.dilation) + " spans " + sizeText(span);
      var withPadding = conv.padding[0] === 0 && conv.padding[1] === 0 ? ""
        : " (" + sizeText(padded) + " with padding " + optionText(conv.padding) + ")";
      throw new UsageError(where + " weight: kernel " + sizeWords + " but the map it meets is " +
                           sizeText(here.slice(1)) + withPadding + "; a kernel must fit inside the padded map");
    }
  }

  // ---- forward and backward (mirrors mathematics/network.py) ----------------------------------
  // A sum: value = scale · Σ Π factors + offset; scale = [p, q] (small integers).
  function entrySum(index, terms, sources, value, scale, offset) {
    return { index: index, terms: terms, sources: sources, value: value, scale: scale || [1, 1], offset: offset || null };
  }
  function valuesOf(sums, dims) { return nest(sums.map(function (s) { return s.value; }), dims); }

  function convForward(x, conv) {
    var xs = shape(x), ws = shape(conv.weight), out = outputShape(xs, conv);
    var dx = denOf(x), dw = denOf(conv.weight), db = conv.bias ? conv.bias[0].d : 1n;
    var den = dx * dw * db, dxw = dx * dw;
    var sums = cells(out).map(function (idx) {
      var o = idx[0], i = idx[1], j = idx[2], terms = [], sources = [], total = 0n;
      for (var c = 0; c < ws[1]; c++) for (var m = 0; m < ws[2]; m++) for (var n = 0; n < ws[3]; n++) {
        var r = i * conv.stride[0] + m * conv.dilation[0] - conv.padding[0];
        var q = j * conv.stride[1] + n * conv.dilation[1] - conv.padding[1];
        if (r < 0 || r >= xs[1] || q < 0 || q >= xs[2]) continue;
        var wv = conv.weight[o][c][m][n], xv = x[c][r][q];
        terms.push([wv, xv]);
        sources.push([["weight", [o, c, m, n]], ["input", [c, r, q]]]);
        total += wv.n * xv.n;
      }
      var offset = conv.bias ? conv.bias[o] : null;
      var value = Q(total * db + (offset ? offset.n * dxw : 0n), den);
      return entrySum(idx, terms, sources, value, null, offset);
    });
    return { sums: sums, out: valuesOf(sums, out) };
  }

  function convBackward(x, conv, delta) {
    var xs = shape(x), ws = shape(conv.weight), ds = shape(delta);
    var dx = denOf(x), dw = denOf(conv.weight), dd = denOf(delta);
    function tap(i, j, m, n) {
      return [i * conv.stride[0] + m * conv.dilation[0] - conv.padding[0],
              j * conv.stride[1] + n * conv.dilation[1] - conv.padding[1]];
    }
    var weightSums = cells(ws).map(function (idx) {
      var o = idx[0], c = idx[1], m = idx[2], n = idx[3], terms = [], sources = [], total = 0n;
      for (var i = 0; i < ds[1]; i++) for (var j = 0; j < ds[2]; j++) {
        var rq = tap(i, j, m, n);
        if (rq[0] < 0 || rq[0] >= xs[1] || rq[1] < 0 || rq[1] >= xs[2]) continue;
        var dv = delta[o][i][j], xv = x[c][rq[0]][rq[1]];
        terms.push([dv, xv]);
        sources.push([["delta", [o, i, j]], ["input", [c, rq[0], rq[1]]]]);
        total += dv.n * xv.n;
      }
      return entrySum(idx, terms, sources, Q(total, dd * dx));
    });
    var biasSums = null;
    if (conv.bias) {
      biasSums = [];
      for (var o = 0; o < ws[0]; o++) {
        var terms = [], sources = [], total = 0n;
        for (var i = 0; i < ds[1]; i++) for (var j = 0; j < ds[2]; j++) {
          terms.push([delta[o][i][j]]); sources.push([["delta", [o, i, j]]]); total += delta[o][i][j].n;
        }
        biasSums.push(entrySum([o], terms, sources, Q(total, dd)));
      }
    }
    var reached = cells(xs).map(function () { return { terms: [], sources: [], total: 0n }; });
    for (var oo = 0; oo < ws[0]; oo++) for (var ii = 0; ii < ds[1]; ii++) for (var jj = 0; jj < ds[2]; jj++)
      for (var c = 0; c < ws[1]; c++) for (var m = 0; m < ws[2]; m++) for (var n = 0; n < ws[3]; n++) {
        var rq = tap(ii, jj, m, n);
        if (rq[0] < 0 || rq[0] >= xs[1] || rq[1] < 0 || rq[1] >= xs[2]) continue;
        var slot = reached[(c * xs[1] + rq[0]) * xs[2] + rq[1]], dv = delta[oo][ii][jj], wv = conv.weight[oo][c][m][n];
        slot.terms.push([dv, wv]);
        slot.sources.push([["delta", [oo, ii, jj]], ["weight", [oo, c, m, n]]]);
        slot.total += dv.n * wv.n;
      }
    var inputSums = cells(xs).map(function (idx, k) {
      return entrySum(idx, reached[k].terms, reached[k].sources, Q(reached[k].total, dd * dw));
    });
    return { weight: weightSums, bias: biasSums, input: inputSums };
  }

  function poolWindows(pool, xs) {
    var out = outputShape(xs, pool);
    return cells(out).map(function (idx) {
      var list = [];
      for (var m = 0; m < pool.kernel[0]; m++) for (var n = 0; n < pool.kernel[1]; n++)
        list.push([idx[1] * pool.stride[0] + m, idx[2] * pool.stride[1] + n]);
      return { index: idx, cells: list };
    });
  }

  function maxpoolForward(x, pool) {
    var windows = poolWindows(pool, shape(x)).map(function (w) {
      var values = w.cells.map(function (cell) { return x[w.index[0]][cell[0]][cell[1]]; }), best = 0;
      for (var t = 1; t < values.length; t++) if (values[t].n > values[best].n) best = t;  // same denominator
      return { index: w.index, cells: w.cells, values: values, winner: w.cells[best], value: values[best] };
    });
    return { windows: windows, out: nest(windows.map(function (w) { return w.value; }), outputShape(shape(x), pool)) };
  }

  function maxpoolBackward(x, windows, delta) {
    var xs = shape(x), dd = denOf(delta);
    var reached = cells(xs).map(function () { return { terms: [], sources: [], total: 0n }; });
    windows.forEach(function (w) {
      var c = w.index[0], slot = reached[(c * xs[1] + w.winner[0]) * xs[2] + w.winner[1]];
      var dv = delta[c][w.index[1]][w.index[2]];
      slot.terms.push([dv]); slot.sources.push([["delta", w.index]]); slot.total += dv.n;
    });
    return cells(xs).map(function (idx, k) { return entrySum(idx, reached[k].terms, reached[k].sources, Q(reached[k].total, dd)); });
  }

  function avgpoolForward(x, pool) {
    var area = pool.kernel[0] * pool.kernel[1], den = denOf(x) * BigInt(area);
    var sums = poolWindows(pool, shape(x)).map(function (w) {
      var c = w.index[0], total = 0n;
      var terms = w.cells.map(function (cell) { var v = x[c][cell[0]][cell[1]]; total += v.n; return [v]; });
      var sources = w.cells.map(function (cell) { return [["input", [c, cell[0], cell[1]]]]; });
      return entrySum(w.index, terms, sources, Q(total, den), [1, area]);
    });
    return { sums: sums, out: valuesOf(sums, outputShape(shape(x), pool)) };
  }

  function avgpoolBackward(x, pool, delta) {
    var xs = shape(x), area = pool.kernel[0] * pool.kernel[1], den = denOf(delta) * BigInt(area);
    var reached = cells(xs).map(function () { return { terms: [], sources: [], total: 0n }; });
    poolWindows(pool, xs).forEach(function (w) {
      var c = w.index[0], dv = delta[c][w.index[1]][w.index[2]];
      w.cells.forEach(function (cell) {
        var slot = reached[(c * xs[1] + cell[0]) * xs[2] + cell[1]];
        slot.terms.push([dv]); slot.sources.push([["delta", w.index]]); slot.total += dv.n;
      });
    });
    return cells(xs).map(function (idx, k) {
      return entrySum(idx, reached[k].terms, reached[k].sources, Q(reached[k].total, den), [1, area]);
    });
  }

  function relu(x) {
    var mask = mapT(x, function (v) { return Q(v.n > 0n ? 1n : 0n, 1n); });
    return { out: mapT(x, function (v) { return v.n > 0n ? v : Q(0n, v.d); }), mask: mask };
  }

  function smallFraction(p, q) { var g = Number(gcd(BigInt(p), BigInt(q))); return [p / g, q / g]; }

  function loss(network, out) {
    var dims = shape(out), dOut = denOf(out);
    var y = network.targetRank === 0 ? mapT(out, function () { return network.target; }) : network.target;
    var dy = network.targetRank === 0 ? network.target.d : denOf(y);
    var residual = mapT(out, function (v, idx) { var t = at(y, idx); return Q(v.n * dy - t.n * dOut, dOut * dy); });
    var dr = dOut * dy, count = dims[0] * dims[1] * dims[2];
    var scale = network.loss === "mse" ? [1, count] : [1, 1];
    var all = cells(dims), total = 0n;
    all.forEach(function (idx) { var r = at(residual, idx); total += r.n * r.n; });
    var cost = entrySum([], all.map(function (idx) { var r = at(residual, idx); return [r, r]; }),
                        all.map(function (idx) { return [["residual", idx], ["residual", idx]]; }),
                        Q(total, dr * dr * BigInt(scale[1])), scale);
    var twice = smallFraction(2 * scale[0], scale[1]);
    var deltaSums = all.map(function (idx) {
      var r = at(residual, idx);
      return entrySum(idx, [[r]], [[["residual", idx]]], Q(BigInt(twice[0]) * r.n, BigInt(twice[1]) * dr), twice);
    });
    return { y: y, residual: residual, cost: cost, deltaSums: deltaSums };
  }

  function forwardLayer(x, layer) {
    if (layer.kind === "conv") { var f = convForward(x, layer); return { out: f.out, fields: { forwardSums: f.sums } }; }
    if (layer.kind === "relu") { var r = relu(x); return { out: r.out, fields: { mask: r.mask } }; }
    if (layer.kind === "maxpool") { var p = maxpoolForward(x, layer); return { out: p.out, fields: { windows: p.windows } }; }
    var a = avgpoolForward(x, layer);
    return { out: a.out, fields: { forwardSums: a.sums } };
  }

  function workNetwork(network) {
    var maps = [network.input], forward = [];
    network.layers.forEach(function (layer) {
      var f = forwardLayer(maps[maps.length - 1], layer);
      maps.push(f.out); forward.push(f.fields);
    });
    var l = loss(network, maps[maps.length - 1]);
    var delta = valuesOf(l.deltaSums, shape(maps[maps.length - 1]));
    var done = [];
    for (var k = network.layers.length - 1; k >= 0; k--) {
      var layer = network.layers[k], x = maps[k], item = forward[k], grad;
      item.layer = layer; item.inputMap = x; item.outputMap = maps[k + 1]; item.delta = delta;
      if (layer.kind === "conv") {
        var b = convBackward(x, layer, delta);
        item.gradWeightSums = b.weight; item.gradWeight = valuesOf(b.weight, shape(layer.weight));
        item.gradBiasSums = b.bias; item.gradBias = b.bias ? b.bias.map(function (s) { return s.value; }) : null;
        item.gradInputSums = b.input; grad = valuesOf(b.input, shape(x));
      } else if (layer.kind === "relu") {
        grad = mapT(delta, function (d, idx) { return Q(d.n * at(item.mask, idx).n, d.d); });
      } else if (layer.kind === "maxpool") {
        item.gradInputSums = maxpoolBackward(x, item.windows, delta); grad = valuesOf(item.gradInputSums, shape(x));
      } else {
        item.gradInputSums = avgpoolBackward(x, layer, delta); grad = valuesOf(item.gradInputSums, shape(x));
      }
      item.gradInput = grad;
      done.unshift(item);
      delta = grad;
    }
    return { network: network, layers: done, target: l.y, residual: l.residual, costSum: l.cost,
             cost: l.cost.value, outputDeltaSums: l.deltaSums, output: maps[maps.length - 1], gradInput: delta };
  }

  function costOf(network) {
    var x = network.input;
    network.layers.forEach(function (layer) { x = forwardLayer(x, layer).out; });
    return loss(network, x).cost.value;
  }

  function gradientStep(work, rate) {
    var layers = work.layers.map(function (done) {
      var layer = done.layer;
      if (layer.kind !== "conv") return layer;
      function moved(old, grad) {
        var dOld = denOf(old), dGrad = denOf(grad), den = dOld * dGrad * rate.d;
        return mapT(old, function (v, idx) { return Q(v.n * dGrad * rate.d - rate.n * at(grad, idx).n * dOld, den); });
      }
      return { kind: "conv", weight: moved(layer.weight, done.gradWeight), weightRank: layer.weightRank,
               bias: layer.bias ? moved(layer.bias, done.gradBias) : null,
               stride: layer.stride, padding: layer.padding, dilation: layer.dilation };
    });
    var updated = Object.assign({}, work.network, { layers: layers });
    return { rate: rate, network: updated, costBefore: work.cost, costAfter: costOf(updated) };
  }

  // ---- the derivation's Markdown (mirrors render/network_format.py, to the byte) ----------------
  var LINKS = {
    network: BOOK_URL + "general/network/", forward: BOOK_URL + "general/layer/#general-layer",
    weights: BOOK_URL + "general/layer/#weight-gradient", input: BOOK_URL + "general/layer/#input-gradient",
    bias: BOOK_URL + "general/bias-relu-pooling/#shared-bias", stride: BOOK_URL + "general/stride/#stride",
    padding: BOOK_URL + "general/padding/#padding", dilation: BOOK_URL + "general/dilation/#dilation",
    channels: BOOK_URL + "general/channels/#channels-and-batch", relu: BOOK_URL + "general/bias-relu-pooling/#relu",
    maxpool: BOOK_URL + "general/bias-relu-pooling/#max-pooling",
    avgpool: BOOK_URL + "general/bias-relu-pooling/#average-pooling", cost: BOOK_URL + "seed/grad-w2/",
    tool: BOOK_URL + "tools/try-your-numbers/"
  };
  var KIND_NAMES = { conv: "convolution", relu: "ReLU", maxpool: "max pooling", avgpool: "average pooling" };
  var KIND_TITLES = { conv: "Convolution", relu: "ReLU", maxpool: "Max pooling", avgpool: "Average pooling" };

  function num(v) { return "\\num{" + formatNumber(v) + "}"; }
  function numSigned(v) { var t = num(v); return formatNumber(v)[0] === "-" ? "(" + t + ")" : t; }
  function lit(t) { return "\\lit{" + t + "}"; }
  function textNum(v) { return '<span class="num">' + String(v).replace("-", "\u2212") + "</span>"; }
  function textLit(t) { return '<span class="lit">' + t + "</span>"; }
  function mapSymbol(k) { return k === 0 ? "X" : "O^{" + k + "}"; }
  function deltaSymbol(k) { return k === 0 ? "\\frac{\\partial C}{\\partial X}" : "\\delta^{" + k + "}"; }
  function entry(symbol, index) {
    var text = index.join(",");
    return symbol.indexOf("\\frac") === 0 ? symbol.slice(0, -1) + "_{" + text + "}}" : symbol + "_{" + text + "}";
  }
  function tensorMatrix(values) {
    return "\\begin{pmatrix}" + values.map(function (r) { return r.map(num).join(" & "); }).join(" \\\\ ") + "\\end{pmatrix}";
  }
  // An index left free: O_{f,\cdot,\cdot} is channel f, every row and column (network_format.channel).
  function channel(symbol, c) { return entry(symbol, [c, "\\cdot", "\\cdot"]); }
  function showMap(symbol, values) {
    if (values.length === 1) return symbol + " = " + tensorMatrix(values[0]);
    return values.map(function (ch, c) { return channel(symbol, c) + " = " + tensorMatrix(ch); }).join(", \\quad ");
  }
  function showWeight(symbol, values) {
    if (values.length === 1 && values[0].length === 1) return symbol + " = " + tensorMatrix(values[0][0]);
    var parts = [];
    values.forEach(function (out, o) { out.forEach(function (ch, c) { parts.push(entry(symbol, [o, c]) + " = " + tensorMatrix(ch)); }); });
    return parts.join(", \\quad ");
  }
  function rowVector(values) { return "\\begin{pmatrix}" + values.map(num).join(" & ") + "\\end{pmatrix}"; }
  function showVector(symbol, values) { return symbol + " = " + rowVector(values); }
  function scaleText(scale) {
    return scale[1] === 1 ? lit(scale[0]) : "\\tfrac{" + lit(scale[0]) + "}{" + lit(scale[1]) + "}";
  }
  function writtenOut(count, longest) { return count <= SUM_MAX_ENTRIES && longest <= SUM_MAX_TERMS; }
  function sumsWrittenOut(sums) {
    return writtenOut(sums.length, sums.reduce(function (m, s) { return Math.max(m, s.terms.length); }, 0));
  }
  function isOne(scale) { return scale[0] === scale[1]; }

  function sumText(s) {
    var value = num(s.value);
    if (!s.terms.length) return s.offset === null ? value : num(s.offset) + " = " + value;
    var products = s.terms.map(function (factors) { return factors.map(numSigned).join(" \\cdot "); }).join(" + ");
    if (!isOne(s.scale))
      products = scaleText(s.scale) + " \\cdot " + (s.terms.length > 1 ? "(" + products + ")" : products);
    if (s.offset !== null) products = num(s.offset) + " + " + products;
    if (s.terms.length === 1 && s.terms[0].length === 1 && isOne(s.scale) && s.offset === null) return products;
    return products + " = " + value;
  }
  function sumLines(symbol, sums) {
    return "$$\n\\begin{align*}\n" + sums.map(function (s) { return entry(symbol, s.index) + " &= " + sumText(s); })
      .join(" \\\\\n") + "\n\\end{align*}\n$$\n";
  }
  function step(lines, whole) {
    if (lines === null)
      return "\nThis step is too large to write every sum out, so here is its result:\n\n$$\n" + whole + "\n$$\n";
    return lines + "\nso\n\n$$\n" + whole + "\n$$\n";
  }
  function heading(text, anchor) { return text + " {#" + anchor + "}"; }
  function indexExpression(out, tap, s, d, p) {
    var text = (s !== 1 ? lit(s) + out : out) + " + " + (d !== 1 ? lit(d) + tap : tap);
    return text + (p ? " - " + lit(p) : "");
  }
  function same(v, w) { return v[0] === w[0] && v[1] === w[1]; }
  function sizes(dims) { return dims.map(textNum).join("×"); }
  function optionNumbers(v) { return v[0] === v[1] ? textNum(v[0]) : "(" + textNum(v[0]) + ", " + textNum(v[1]) + ")"; }

  function describeLayer(k, done) {
    var layer = done.layer, out = "1. " + KIND_TITLES[layer.kind];
    if (layer.kind === "conv") {
      out += " with kernel $W^{" + k + "}$ (" + sizes(shape(layer.weight)) + ")";
      if (layer.bias) out += " and bias $b^{" + k + "}$";
      var options = [["stride", layer.stride, [1, 1]], ["padding", layer.padding, [0, 0]], ["dilation", layer.dilation, [1, 1]]]
        .filter(function (o) { return !same(o[1], o[2]); });
      if (options.length)
        out += ", " + options.map(function (o) { return "[" + o[0] + "](" + LINKS[o[0]] + ") " + optionNumbers(o[1]); }).join(", ");
    } else if (layer.kind !== "relu") {
      out += " over " + sizes(layer.kernel) + " windows";
      if (!same(layer.stride, layer.kernel)) out += ", stride " + optionNumbers(layer.stride);
    }
    return out + ": $O^{" + k + "}$ is " + sizes(shape(done.outputMap));
  }

  function markdown(work, stepWork) {
    var network = work.network, count = work.layers.length, parts = [];
    var lossText = network.loss === "sse"
      ? "the sum of squared errors against the target $y$, $C = \\sum_{f,u,v} (O^{L}_{f,u,v} - y_{f,u,v})^{2}$"
      : "the mean squared error against the target $y$, $C = \\frac{\\lit{1}}{T} \\sum_{f,u,v} (O^{L}_{f,u,v} - y_{f,u,v})^{2}$ with $T$ the number of output entries";
    parts.push("# " + heading("Worked derivation", "worked-derivation") + "\n\n" +
      "The input $X$ goes through the layers in order; layer $\\ell$ turns $O^{\\ell-1}$ into $O^{\\ell}$ (with $O^{0} = X$), and the cost is " +
      lossText.replace("{L}", "{" + count + "}") + ". Indices count from zero: a map entry is [channel, row, column], a weight " +
      "entry [output channel, input channel, row, column]. Numbers that are not integers are shown rounded to four decimals; " +
      "the computation itself is exact.\n\n" +
      work.layers.map(function (done, k) { return describeLayer(k + 1, done); }).join("\n") + "\n\n");
    var given = [showMap("X", network.input)];
    work.layers.forEach(function (done, k) {
      if (done.layer.kind !== "conv") return;
      given.push(showWeight("W^{" + (k + 1) + "}", done.layer.weight));
      if (done.layer.bias) given.push(showVector("b^{" + (k + 1) + "}", done.layer.bias));
    });
    var note = "";
    if (network.targetRank === 0) {
      given.push("y_{f,u,v} = " + num(network.target));
      note = "The target is one number, the same for every output entry.\n\n";
    } else {
      given.push(showMap("y", work.target));
    }
    parts.push("## " + heading("Your numbers", "your-numbers") + "\n\n" +
      given.map(function (g) { return "$$\n" + g + "\n$$\n"; }).join("\n") + "\n" + note);
    parts.push("## " + heading("Forward pass", "forward-pass") + "\n\n");
    work.layers.forEach(function (done, k) { parts.push(forwardText(k + 1, done)); });
    parts.push(costText(work));
    parts.push("## " + heading("Backward pass", "backward-pass") + "\n\n" +
      "Each layer receives $\\delta^{\\ell} = \\partial C / \\partial O^{\\ell}$ and passes $\\delta^{\\ell-1}$ on to the layer before it " +
      "([the chain rule of the general layer](" + LINKS.forward + ")); the last one is $\\partial C / \\partial X$.\n\n");
    for (var k = count; k >= 1; k--) parts.push(backwardText(k, work.layers[k - 1]));
    parts.push(summaryText(work));
    if (stepWork) parts.push(stepMarkdown(work, stepWork));
    parts.push("Worked by `python -m derivations worked --network` ([a whole network, worked](" + LINKS.network + ")).\n");
    return parts.join("");
  }

  function forwardText(k, done) {
    var layer = done.layer, before = mapSymbol(k - 1), after = mapSymbol(k);
    var head = "### " + heading("Layer " + textLit(k) + ": " + KIND_NAMES[layer.kind], "forward-layer-" + k) + "\n\n";
    var result = showMap(after, done.outputMap);
    if (layer.kind === "conv") {
      var bias = layer.bias ? "b^{" + k + "}_{f} + " : "";
      var padded = same(layer.padding, [0, 0]) ? ""
        : " (zero where the index falls outside $" + before + "$: [padding](" + LINKS.padding + "))";
      var text = head + "Each output entry is the sum, over every input channel $g$ and kernel tap $(m, n)$, of a weight " +
        "times the entry of $" + before + "$ under it ([the general layer](" + LINKS.forward + "); [channels](" +
        LINKS.channels + "))" + padded + ":\n\n$$\n" + after + "_{f,u,v} = " + bias + "\\sum_{g,m,n} W^{" + k +
        "}_{f,g,m,n} \\, " + before + "_{g,\\," + indexExpression("u", "m", layer.stride[0], layer.dilation[0], layer.padding[0]) +
        ",\\," + indexExpression("v", "n", layer.stride[1], layer.dilation[1], layer.padding[1]) + "}\n$$\n\n";
      return text + step(sumsWrittenOut(done.forwardSums) ? sumLines(after, done.forwardSums) : null, result) + "\n";
    }
    if (layer.kind === "relu")
      return head + "[ReLU](" + LINKS.relu + ") keeps each positive entry and sets the rest to zero: $" + after +
        " = \\max(" + before + ", \\lit{0})$, entry by entry.\n\n$$\n" + result + "\n$$\n\n";
    if (layer.kind === "maxpool") {
      var longest = done.windows.reduce(function (m, w) { return Math.max(m, w.cells.length); }, 0);
      var lines = writtenOut(done.windows.length, longest) ? "$$\n" + maxpoolLines(k, done) + "\n$$\n" : null;
      return head + "Each entry is the largest of its window of $" + before + "$ ([max pooling](" + LINKS.maxpool +
        ")):\n\n" + step(lines, result) + "\n";
    }
    return head + "Each entry is the mean of its window of $" + before + "$ ([average pooling](" + LINKS.avgpool + ")):\n\n" +
      step(sumsWrittenOut(done.forwardSums) ? sumLines(after, done.forwardSums) : null, result) + "\n";
  }

  function maxpoolLines(k, done) {
    var after = mapSymbol(k);
    return "\\begin{align*}\n" + done.windows.map(function (w) {
      return entry(after, w.index) + " &= \\max(" + w.values.map(num).join(", ") + ") = " + num(w.value);
    }).join(" \\\\\n") + "\n\\end{align*}";
  }

  function costEquation(work) {
    var last = work.layers.length, out = mapSymbol(last), dims = shape(work.output), all = cells(dims);
    var scale = work.costSum.scale;
    var lead = isOne(scale) ? "\\sum_{f,u,v}" : scaleText(scale) + " \\sum_{f,u,v}";
    if (all.length > SUM_MAX_ENTRIES)
      return showMap("(" + out + " - y)", work.residual) + ", \\quad C = " + lead + " (" + out +
        "_{f,u,v} - y_{f,u,v})^{2} = " + num(work.cost);
    var squares = all.map(function (idx) {
      return "(" + num(at(work.output, idx)) + " - " + numSigned(at(work.target, idx)) + ")^{2}";
    }).join(" + ");
    var residuals = all.map(function (idx) { return numSigned(at(work.residual, idx)) + "^{2}"; }).join(" + ");
    if (!isOne(scale)) {
      squares = scaleText(scale) + " \\, (" + squares + ")";
      residuals = scaleText(scale) + " \\, (" + residuals + ")";
    }
    return "C = " + lead + " (" + out + "_{f,u,v} - y_{f,u,v})^{2} = " + squares + " = " + residuals + " = " + num(work.cost);
  }

  function costText(work) {
    var last = work.layers.length, out = mapSymbol(last), all = cells(shape(work.output));
    var scale = work.costSum.scale, mean = !isOne(scale);
    var factor = mean ? "\\frac{\\lit{2}}{T}" : "\\lit{2}";
    var why = mean ? " with $T = " + lit(all.length) + "$: this is where the mean's $\\lit{1}/T$ enters every gradient" : "";
    var delta = deltaSymbol(last);
    var lines = all.length <= SUM_MAX_ENTRIES ? sumLines(delta, work.outputDeltaSums)
      : "$$\n" + showMap(delta, work.layers[last - 1].delta) + "\n$$\n";
    return "## " + heading("Cost", "cost") + "\n\n$$\n" + costEquation(work) + "\n$$\n\n" +
      "## " + heading("Gradient at the output", "output-gradient") + "\n\n" +
      "The derivative of each square ([the same step in the book](" + LINKS.cost + "))" + why + ":\n\n$$\n" +
      entry(delta, ["f", "u", "v"]) + " = \\frac{\\partial C}{\\partial " + out + "_{f,u,v}} = " + factor + " \\, (" + out +
      "_{f,u,v} - y_{f,u,v})\n$$\n\n" + lines + "\n";
  }

  function backwardText(k, done) {
    var layer = done.layer, before = mapSymbol(k - 1), after = mapSymbol(k);
    var delta = deltaSymbol(k), previous = deltaSymbol(k - 1);
    var head = "### " + heading("Back through layer " + textLit(k) + ": " + KIND_NAMES[layer.kind], "backward-layer-" + k) + "\n\n";
    var passed = showMap(previous, done.gradInput);
    var d = "\\delta^{" + k + "}";
    if (layer.kind === "conv") {
      var row = indexExpression("u", "m", layer.stride[0], layer.dilation[0], layer.padding[0]);
      var col = indexExpression("v", "n", layer.stride[1], layer.dilation[1], layer.padding[1]);
      var gradW = "\\frac{\\partial C}{\\partial W^{" + k + "}}";
      var text = head + "**Its weights.** Each weight $W^{" + k + "}_{f,g,m,n}$ multiplies one entry of $" + before +
        "$ in every output of channel $f$, so its gradient adds up $" + d + "$ times that entry over all of them ([weight gradient](" +
        LINKS.weights + ")):\n\n$$\n\\frac{\\partial C}{\\partial W^{" + k + "}_{f,g,m,n}} = \\sum_{u,v} " + d + "_{f,u,v} \\, " +
        before + "_{g,\\," + row + ",\\," + col + "}\n$$\n\n" +
        step(sumsWrittenOut(done.gradWeightSums) ? sumLines(gradW, done.gradWeightSums) : null, showWeight(gradW, done.gradWeight));
      if (layer.bias) {
        var gradB = "\\frac{\\partial C}{\\partial b^{" + k + "}}";
        text += "\n**Its bias.** $b^{" + k + "}_{f}$ is added to every entry of output channel $f$, so its gradient is the sum of $" +
          d + "$ over that channel ([a shared bias](" + LINKS.bias + ")):\n\n" +
          step(sumsWrittenOut(done.gradBiasSums) ? sumLines(gradB, done.gradBiasSums) : null, showVector(gradB, done.gradBias));
      }
      var what = k === 1 ? "input" : "map before it";
      text += "\n**The " + what + ".** Each entry of $" + before + "$ reaches every output whose window covers it, once per tap " +
        "that lands on it, through that tap's weight; its gradient adds those paths up, a scatter of $" + d +
        "$ back through the kernel ([input gradient](" + LINKS.input + ")" +
        (same(layer.stride, [1, 1]) ? "" : "; [stride](" + LINKS.stride + ")") +
        (same(layer.dilation, [1, 1]) ? "" : "; [dilation](" + LINKS.dilation + ")") + "):\n\n$$\n" +
        entry(previous, ["g", "a", "c"]) + " = \\sum_{f,u,v,m,n \\,:\\, " + row + " = a,\\ " + col + " = c} " + d +
        "_{f,u,v} \\, W^{" + k + "}_{f,g,m,n}\n$$\n\n";
      return text + step(sumsWrittenOut(done.gradInputSums) ? sumLines(previous, done.gradInputSums) : null, passed) + "\n";
    }
    if (layer.kind === "relu") {
      var mask = showMap("\\lit{1}[" + before + " > \\lit{0}]", done.mask);
      return head + "ReLU's slope is $\\lit{1}$ where its input was positive and $\\lit{0}$ elsewhere, at $\\lit{0}$ itself too " +
        "(PyTorch's choice; [ReLU](" + LINKS.relu + ")), so $" + d + "$ passes only where $" + before + " > \\lit{0}$:\n\n$$\n" +
        entry(previous, ["g", "a", "c"]) + " = " + entry(delta, ["g", "a", "c"]) + " \\cdot \\lit{1}[" + before +
        "_{g,a,c} > \\lit{0}]\n$$\n\n$$\n" + mask + "\n$$\n\nso\n\n$$\n" + passed + "\n$$\n\n";
    }
    if (layer.kind === "maxpool")
      return head + "Only the entry that won a window moved $" + after + "$, so each window's $" + d + "$ goes back to its " +
        "winner, and an entry that won several windows adds them up ([max pooling](" + LINKS.maxpool + ")). When a window's " +
        "maximum is reached more than once, the first of them in reading order (row by row) takes the gradient, as in " +
        "PyTorch:\n\n$$\n" + entry(previous, ["g", "a", "c"]) + " = \\sum_{\\text{windows } (u,v) \\text{ won by } (a,c)} " +
        entry(delta, ["g", "u", "v"]) + "\n$$\n\n(zero for an entry that won no window).\n\n" +
        step(sumsWrittenOut(done.gradInputSums) ? sumLines(previous, done.gradInputSums) : null, passed) + "\n";
    return head + "Each entry of a window moved $" + after + "$ by the same share, so it gets that share of the window's $" + d +
      "$, summed over the windows it is in ([average pooling](" + LINKS.avgpool + ")):\n\n$$\n" +
      entry(previous, ["g", "a", "c"]) + " = " + scaleText(smallFraction(1, layer.kernel[0] * layer.kernel[1])) +
      " \\sum_{\\text{windows } (u,v) \\ni (a,c)} " + entry(delta, ["g", "u", "v"]) + "\n$$\n\n" +
      step(sumsWrittenOut(done.gradInputSums) ? sumLines(previous, done.gradInputSums) : null, passed) + "\n";
  }

  function summaryText(work) {
    var rows = ["C = " + num(work.cost)];
    work.layers.forEach(function (done, i) {
      if (done.layer.kind !== "conv") return;
      var k = i + 1;
      rows.push(showWeight("\\frac{\\partial C}{\\partial W^{" + k + "}}", done.gradWeight));
      if (done.gradBias) rows.push(showVector("\\frac{\\partial C}{\\partial b^{" + k + "}}", done.gradBias));
    });
    rows.push(showMap(deltaSymbol(0), work.gradInput));
    return "## " + heading("Summary", "summary") + "\n\n" + rows.map(function (r) { return "$$\n" + r + "\n$$\n"; }).join("\n") + "\n";
  }

  function stepMarkdown(work, stepWork) {
    var rows = [];
    work.layers.forEach(function (old, i) {
      if (old.layer.kind !== "conv") return;
      var k = i + 1, fresh = stepWork.network.layers[i], w = shape(fresh.weight);
      for (var o = 0; o < w[0]; o++) for (var c = 0; c < w[1]; c++) {
        var symbol = w[0] === 1 && w[1] === 1 ? "W^{" + k + "}" : "W^{" + k + "}_{" + o + "," + c + "}";
        rows.push(symbol + " - \\eta \\, \\frac{\\partial C}{\\partial " + symbol + "} = " + tensorMatrix(old.layer.weight[o][c]) +
          " - \\eta \\cdot " + tensorMatrix(old.gradWeight[o][c]) + " = " + tensorMatrix(fresh.weight[o][c]));
      }
      if (fresh.bias) {
        var b = "b^{" + k + "}";
        rows.push(b + " - \\eta \\, \\frac{\\partial C}{\\partial " + b + "} = " + rowVector(old.layer.bias) + " - \\eta \\cdot " +
          rowVector(old.gradBias) + " = " + rowVector(fresh.bias));
      }
    });
    var verdict = lt(stepWork.costAfter, stepWork.costBefore) ? "falls"
      : gt(stepWork.costAfter, stepWork.costBefore) ? "rises" : "stays the same";
    var advice = verdict === "rises" ? "The rate is too large for these numbers: the gradient describes the cost only near them, " +
      "and this step went past where it helps; a smaller $\\eta$ makes the cost fall." : "";
    return "## " + heading("One gradient-descent step", "gradient-step") + "\n\n" +
      "Move every weight and bias against its gradient, with learning rate $\\eta = " + num(stepWork.rate) +
      "$:\n\n$$\n\\theta \\leftarrow \\theta - \\eta \\, \\frac{\\partial C}{\\partial \\theta}\n$$\n\n" +
      rows.map(function (r) { return "$$\n" + r + "\n$$\n"; }).join("\n") +
      "\nRun forward again with the new numbers: the cost " + verdict + ",\n\n$$\nC_{\\text{before}} = " + num(stepWork.costBefore) +
      ", \\quad C_{\\text{after}} = " + num(stepWork.costAfter) + "\n$$\n\n" + advice + (advice ? "\n\n" : "");
  }

  // The Stack Exchange text: the book's private marks removed (render/network_format.py).
  function stackExchangeText(text) {
    return text.replace(/\\(?:num|lit)\{([^{}]*)\}/g, "$1")
      .replace(/<span class="(?:lit|num)">([^<]*)<\/span>/g, function (m, t) { return t.replace(/\u2212/g, "-"); })
      .replace(/ \{#[a-z0-9-]+\}$/gm, "")
      .split("`python -m derivations worked --network`").join("the convbackprop book's worked tool");
  }

  // ---- Markdown + LaTeX -> a tree of elements (built into the page's DOM as text only) ------------
  // A node is [tag, attributes, child, …]; a child is a node or a string (text, never markup).
  var MATH_TAGS = /^(math|mrow|mi|mn|mo|mtext|mspace|mfrac|msub|msup|msubsup|munder|munderover|mtable|mtr|mtd)$/;
  var SYMBOLS = { cdot: ["mo", "·"], ell: ["mi", "ℓ"], star: ["mo", "⋆"], partial: ["mo", "∂"], delta: ["mi", "δ"], eta: ["mi", "η"],
                  theta: ["mi", "θ"], leftarrow: ["mo", "←"], ni: ["mo", "∋"], ldots: ["mo", "…"], sum: ["mo", "∑"],
                  max: ["mi", "max"] };
  var SPACING = { quad: "1em", ",": "0.1667em", " ": "0.2778em", ":": "0.2222em" };

  // Tokens: a command (\name, or \ and one character), a run of spaces (" "), one character.
  function tokenize(latex) {
    var tokens = [], re = /\\([A-Za-z]+\*?|[\s\S])|(\s+)|([\s\S])/g, m;
    while ((m = re.exec(latex))) tokens.push(m[1] !== undefined ? "\\" + m[1] : m[2] !== undefined ? " " : m[3]);
    return tokens;
  }

  function LatexParser(latex) { this.tokens = tokenize(latex); this.pos = 0; }
  // Spaces do not count in math, so peek and next step over them; raw keeps them.
  LatexParser.prototype.peek = function () {
    while (this.tokens[this.pos] === " ") this.pos++;
    return this.tokens[this.pos];
  };
  LatexParser.prototype.next = function () { var t = this.peek(); this.pos++; return t; };
  LatexParser.prototype.raw = function () {  // the text of a {…} argument, as written
    this.next();  // {
    var out = "", level = 0, t;
    while ((t = this.tokens[this.pos++]) !== undefined) {
      if (t === "{") level++;
      if (t === "}") { if (!level) break; level--; }
      out += t;
    }
    return out;
  };
  LatexParser.prototype.expression = function (stops) {
    var items = [];
    while (this.peek() !== undefined && stops.indexOf(this.peek()) < 0 && this.peek() !== "\\end") {
      var atom = this.atom();
      if (atom) items.push(this.scripts(atom));
    }
    return items;
  };
  LatexParser.prototype.argument = function () {
    if (this.peek() === "{") { this.next(); var items = this.expression(["}"]); this.next(); return ["mrow", {}].concat(items); }
    return this.atom();
  };
  LatexParser.prototype.scripts = function (base) {
    var sub = null, sup = null;
    while (this.peek() === "_" || this.peek() === "^") {
      if (this.next() === "_") sub = this.argument(); else sup = this.argument();
    }
    var large = base[0] === "mo" && base[2] === "∑";
    if (sub && sup) return [large ? "munderover" : "msubsup", {}, base, sub, sup];
    if (sub) return [large ? "munder" : "msub", {}, base, sub];
    if (sup) return ["msup", {}, base, sup];
    return base;
  };
  LatexParser.prototype.atom = function () {
    var t = this.next();
    if (t === "{") { var items = this.expression(["}"]); this.next(); return ["mrow", {}].concat(items); }
    if (t[0] === "\\" && t.length > 1) {
      var name = t.slice(1);
      if (name === "num") return ["mn", { "class": "num" }, this.raw().replace(/-/g, "\u2212")];
      if (name === "lit") return ["mn", { "class": "lit" }, this.raw()];
      if (name === "text") return ["mtext", {}, this.raw()];
      if (name === "frac" || name === "tfrac") return ["mfrac", {}, this.argument(), this.argument()];
      if (name === "begin") return this.environment(this.raw());
      if (name in SYMBOLS) return [SYMBOLS[name][0], {}, SYMBOLS[name][1]];
      if (name in SPACING) return ["mspace", { width: SPACING[name] }];
      throw new Error("no MathML for \\" + name);
    }
    if (/[A-Za-z]/.test(t)) return ["mi", {}, t];
    if (/[0-9]/.test(t)) {
      var digits = t;
      while (this.peek() !== undefined && /^[0-9]$/.test(this.peek())) digits += this.next();
      return ["mn", { "class": "lit" }, digits];
    }
    return ["mo", {}, t === "-" ? "−" : t];
  };
  LatexParser.prototype.environment = function (name) {
    var rows = [[[]]];
    while (this.peek() !== undefined && this.peek() !== "\\end") {
      if (this.peek() === "&") { this.next(); rows[rows.length - 1].push([]); continue; }
      if (this.peek() === "\\\\") { this.next(); rows.push([[]]); continue; }
      var cell = rows[rows.length - 1], atom = this.atom();
      if (atom) cell[cell.length - 1].push(this.scripts(atom));
    }
    this.next(); this.raw();  // \end{name}
    var aligned = name === "align*";
    var table = ["mtable", {}].concat(rows.map(function (row) {
      return ["mtr", {}].concat(row.map(function (cell, c) {
        var attrs = aligned ? { columnalign: c % 2 ? "left" : "right" } : {};
        return ["mtd", attrs, ["mrow", {}].concat(cell)];
      }));
    }));
    return aligned ? table : ["mrow", {}, ["mo", {}, "("], table, ["mo", {}, ")"]];
  };

  function mathNode(latex, block) {
    var parser = new LatexParser(latex);
    return ["math", block ? { display: "block" } : {}].concat(parser.expression([]));
  }

  function inline(text) {
    var out = [], re = /\$([^$]+)\$|\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)]+)\)|<span class="(num|lit)">([^<]*)<\/span>/g;
    var last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) out.push(text.slice(last, m.index));
      if (m[1] !== undefined) out.push(mathNode(m[1], false));
      else if (m[2] !== undefined) out.push(["strong", {}].concat(inline(m[2])));
      else if (m[3] !== undefined) out.push(["code", {}, m[3]]);
      else if (m[4] !== undefined) out.push(["a", { href: m[5].replace(BOOK_URL, "../../") }].concat(inline(m[4])));
      else out.push(["span", { "class": m[6] }, m[7]]);
      last = re.lastIndex;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  // The derivation's Markdown as page elements; its own title is the page's heading already.
  function renderMarkdown(text) {
    var lines = text.split("\n"), blocks = [], paragraph = [], list = null;
    function flush() {
      if (paragraph.length) blocks.push(["p", {}].concat(inline(paragraph.join(" "))));
      paragraph = [];
    }
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (line === "$$") {
        flush(); list = null;
        var latex = [];
        while (lines[++i] !== "$$") latex.push(lines[i]);
        blocks.push(["div", { "class": "worked-equation" }, mathNode(latex.join("\n"), true)]);
      } else if (!line) {
        flush(); list = null;
      } else if (/^#{1,3} /.test(line)) {
        flush(); list = null;
        var level = line.indexOf(" "), title = line.slice(level + 1).replace(/ \{#[a-z0-9-]+\}$/, "");
        if (level > 1) blocks.push(["h" + (level + 1), {}].concat(inline(title)));
      } else if (/^1\. /.test(line)) {
        flush();
        if (!list) { list = ["ol", {}]; blocks.push(list); }
        list.push(["li", {}].concat(inline(line.slice(3))));
      } else {
        paragraph.push(line);
      }
    }
    flush();
    return blocks;
  }

  // ---- one computation: form fields -> derivation, text and tree (runs in the worker) --------------
  function compute(fields) {
    try {
      var network = parseNetwork(descriptionFromForm(fields));
      var rate = blank(fields.rate) ? null : parseRate(fields.rate, "learning rate");
      var work = workNetwork(network);
      var text = markdown(work, rate ? gradientStep(work, rate) : null);
      return { ok: true, tree: renderMarkdown(text), answer: stackExchangeText(text) };
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      return { ok: false, message: error.message };
    }
  }

  // ---- the worker -------------------------------------------------------------------------------
  if (typeof document === "undefined") {
    self.onmessage = function (event) {
      var result = compute(event.data.fields);
      result.id = event.data.id;
      self.postMessage(result);
    };
    return;
  }

  // ---- the page ---------------------------------------------------------------------------------
  var SCRIPT_URL = document.currentScript && document.currentScript.src;
  var MATHML = "http://www.w3.org/1998/Math/MathML";

  function build(node) {
    if (typeof node === "string") return document.createTextNode(node);
    var tag = node[0], element = MATH_TAGS.test(tag) ? document.createElementNS(MATHML, tag) : document.createElement(tag);
    Object.keys(node[1]).forEach(function (name) { element.setAttribute(name, node[1][name]); });
    for (var k = 2; k < node.length; k++) element.appendChild(build(node[k]));
    return element;
  }

  // The field a message is about: "layers[1] (conv) stride[0]: …" → layer1-stride.
  function fieldOf(message) {
    var m = /^layers\[(\d+)\] \((\w+)\) (\w+)/.exec(message);
    if (m) return "layer" + m[1] + "-" + m[3];
    m = /^layers\[(\d+)\]/.exec(message);
    if (m) return "layer" + m[1] + "-type";
    m = /^(input|target|loss|learning rate)\b/.exec(message);
    if (m) return m[1] === "learning rate" ? "rate" : m[1];
    return null;  // "layers: …": about the list of layers
  }

  function readFields(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name) return;
      var holder = control.closest("[data-for]");
      var layer = control.closest(".worked-layer");
      // Only the options of the layer's current type count (hidden ones are ignored, as in Python).
      if (holder && layer && holder.getAttribute("data-for").split(" ").indexOf(layer.querySelector("select").value) < 0) return;
      fields[control.name] = control.value;
    });
    return fields;
  }

  function showTypes(form) {
    form.querySelectorAll(".worked-layer").forEach(function (layer) {
      var kind = layer.querySelector("select").value;
      layer.querySelectorAll("[data-for]").forEach(function (holder) {
        holder.hidden = holder.getAttribute("data-for").split(" ").indexOf(kind) < 0;
      });
    });
  }

  function renumber(form) {
    var layers = form.querySelectorAll(".worked-layer");
    layers.forEach(function (layer, k) {
      var legend = layer.querySelector("legend"), index = document.createElement("span");
      index.className = "lit";
      index.textContent = String(k);
      legend.textContent = "";
      legend.append("layers[", index, "]");
      layer.querySelectorAll("[name]").forEach(function (control) {
        var field = control.name.replace(/^layer\d+-/, "");
        control.name = "layer" + k + "-" + field;
        control.id = "worked-layer" + k + "-" + field;
      });
      layer.querySelectorAll("label[for]").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/^worked-layer\d+-/, "worked-layer" + k + "-");
      });
      layer.querySelector(".worked-remove").disabled = layers.length === 1;
    });
    var add = document.getElementById("worked-add");
    if (add) add.disabled = layers.length >= MAX_LAYERS;
  }

  function placeError(form, errorBox, field) {
    form.querySelectorAll("[aria-invalid]").forEach(function (control) {
      control.removeAttribute("aria-invalid");
      var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== "worked-error";
      });
      if (described.length) control.setAttribute("aria-describedby", described.join(" "));
      else control.removeAttribute("aria-describedby");
    });
    var control = field && form.querySelector("[name='" + field + "']");
    var anchor = control ? control.closest(".worked-field") : document.getElementById("worked-add-row");
    if (anchor) anchor.after(errorBox);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", ["worked-error"].concat(
        (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id; })).join(" "));
    }
  }

  function start() {
    var form = document.getElementById("worked-form");
    if (!form) return;
    var box = document.getElementById("worked-output"), errorBox = document.getElementById("worked-error");
    var answer = document.getElementById("worked-stackexchange"), copy = document.getElementById("worked-copy");
    var note = document.getElementById("worked-length"), status = document.getElementById("worked-copy-status");
    var worker = null, busy = false, job = 0;

    function show(result) {
      busy = false;
      box.textContent = "";
      errorBox.textContent = "";
      if (copy) copy.textContent = "Copy";
      if (status) status.textContent = "";
      if (result.ok) {
        result.tree.forEach(function (node) { box.appendChild(build(node)); });
        answer.value = result.answer;
        note.textContent = result.answer.length > SE_MAX_CHARS
          ? "This text is " + result.answer.length + " characters long; Stack Exchange accepts at most " + SE_MAX_CHARS +
            " in a post, so use a smaller network, or split it over two posts." : "";
        copy.disabled = false;
        placeError(form, errorBox, null);
        box.setAttribute("data-state", "ok");
      } else {
        errorBox.textContent = "error: " + result.message;
        answer.value = "";
        note.textContent = "";
        copy.disabled = true;
        placeError(form, errorBox, fieldOf(result.message));
        box.setAttribute("data-state", "error");
      }
      box.removeAttribute("aria-busy");
    }

    function update() {
      var fields = readFields(form);
      job += 1;
      box.setAttribute("data-state", "busy");
      box.setAttribute("aria-busy", "true");
      box.setAttribute("data-job", String(job));
      if (worker === null && SCRIPT_URL && typeof Worker === "function") {
        try { worker = new Worker(SCRIPT_URL); } catch (error) { SCRIPT_URL = null; }  // file:// pages
      }
      if (!worker) { show(compute(fields)); return; }
      if (busy) {  // a stale computation: stop it rather than wait for it
        worker.terminate();
        worker = new Worker(SCRIPT_URL);
      }
      worker.onmessage = function (event) { if (event.data.id === job) show(event.data); };
      worker.onerror = function () { busy = false; };
      busy = true;
      worker.postMessage({ id: job, fields: fields });
    }

    form.addEventListener("input", update);
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") { showTypes(form); update(); }
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button.classList.contains("worked-remove")) {
        button.closest(".worked-layer").remove();
      } else if (button.id === "worked-add") {
        var layers = form.querySelectorAll(".worked-layer"), copyOf = layers[layers.length - 1].cloneNode(true);
        // A fresh layer: no values, and not the message or the marks of the layer it copies.
        copyOf.querySelectorAll("#worked-error").forEach(function (node) { node.remove(); });
        copyOf.querySelectorAll("[aria-invalid]").forEach(function (control) { control.removeAttribute("aria-invalid"); });
        copyOf.querySelectorAll("input").forEach(function (control) {
          control.value = "";
          control.setAttribute("aria-describedby", "worked-syntax");
        });
        copyOf.querySelector("select").removeAttribute("aria-describedby");
        copyOf.querySelector("select").value = "relu";
        layers[layers.length - 1].after(copyOf);
      } else {
        return;
      }
      renumber(form);
      showTypes(form);
      update();
    });
    if (copy && answer) copy.addEventListener("click", function () {
      answer.select();
      var done = function () { copy.textContent = "Copied"; if (status) status.textContent = "Copied to the clipboard."; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(answer.value).then(done, function () {});
      else if (document.execCommand("copy")) done();
    });
    renumber(form);
    showTypes(form);
    update();
  }

  window.convbackpropWorked = { compute: compute, formatNumber: formatNumber };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
