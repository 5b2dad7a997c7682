// Size classes, "whales vs retail" (issue 17): the buy and sell volume of the shown range split by trade notional
// (price × size in the quote currency; boundaries per quote currency, Aggregate:SizeClasses). For the subject, venue and
// interval that app.js shows (read from #dashboard's data attributes and the interval selector) it reads /api/volumes
// over the latest 150 bars (the chart's range) and sums each class over the bars: one table per quote currency (the asset
// view never adds classes of different currencies), a buy bar and a sell bar per class. The sums are exact: numbers are
// read as their JSON text and added as decimals (BigInt), never as floats; floats only size the drawn bars. Re-read on
// every load and live update. For tests: #sizeclasses data-classes (rows shown), data-bars (bars summed), and
// window.bvSizeClasses.tables() (the exact texts).
(() => {
  'use strict';
  const main = document.getElementById('dashboard');
  const area = document.getElementById('sizeclasses');
  const tables = document.getElementById('sizeclass-tables');
  const note = document.getElementById('sizeclass-note');
  const Bars = 150;
  let shown = [];
  let pending = null;
  let generation = 0;

  function msOf(interval) {
    const m = /^(\d+)([smhd]?)$/.exec(interval ?? '');
    if (!m) return 60_000;
    return Number(m[1]) * ({ s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] || 'm']);
  }

  // Exact decimals: a JSON number's text → [BigInt digits, scale].
  function parse(text) {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(String(text));
    if (!m) return [0n, 0];
    let digits = BigInt(m[1] + m[2] + (m[3] ?? ''));
    let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
    if (scale < 0) { digits *= 10n ** BigInt(-scale); scale = 0; }
    return [digits, scale];
  }

  function add(a, b) {
    const [x, s] = parse(a);
    const [y, t] = parse(b);
    const scale = Math.max(s, t);
    return format(x * 10n ** BigInt(scale - s) + y * 10n ** BigInt(scale - t), scale);
  }

  function format(digits, scale) {
    const negative = digits < 0n;
    let text = (negative ? -digits : digits).toString().padStart(scale + 1, '0');
    if (scale > 0) text = `${text.slice(0, -scale)}.${text.slice(-scale)}`.replace(/\.?0+$/, '');
    return (negative && text !== '0' ? '-' : '') + text;
  }

  function group(text) {
    const [whole, fraction] = text.split('.');
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction ? `.${fraction}` : '');
  }

  function label(c, quote) {
    const short = (v) => {
      const n = Number(v);
      return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : group(v);
    };
    return c.max === null ? `≥ ${short(c.min)} ${quote}` : `${short(c.min)} – ${short(c.max)} ${quote}`;
  }

  // Sums class lists (same boundaries, or merged to the boundaries all share, as the API does).
  function sum(lists) {
    if (lists.length === 0) return [];
    let common = lists[0].slice(1).map((c) => c.min);
    for (const list of lists.slice(1)) {
      const mins = new Set(list.slice(1).map((c) => parse(c.min).join(':')));
      common = common.filter((b) => mins.has(parse(b).join(':')));
    }
    const rows = [{ min: '0', max: common[0] ?? null }, ...common.map((b, i) => ({ min: b, max: common[i + 1] ?? null }))]
      .map((r) => ({ ...r, buyTrades: '0', buyBase: '0', sellTrades: '0', sellBase: '0' }));
    const less = (a, b) => { const [x, s] = parse(a); const [y, t] = parse(b); const k = Math.max(s, t); return x * 10n ** BigInt(k - s) < y * 10n ** BigInt(k - t); };
    for (const list of lists) {
      for (const c of list) {
        let i = 0;
        while (i < common.length && !less(c.min, common[i])) i++;
        for (const k of ['buyTrades', 'buyBase', 'sellTrades', 'sellBase']) rows[i][k] = add(rows[i][k], c[k]);
      }
    }
    return rows;
  }

  function render(byQuote, bars, missing) {
    shown = byQuote;
    tables.replaceChildren();
    let count = 0;
    for (const { quote, classes } of byQuote) {
      const max = Math.max(1e-300, ...classes.flatMap((c) => [Number(c.buyBase), Number(c.sellBase)]));
      const table = document.createElement('table');
      table.className = 'sizeclasses';
      table.dataset.quote = quote;
      table.innerHTML = `<caption>${quote} notional per trade</caption><thead><tr><th>class</th><th>buy trades</th><th>buy base</th>`
        + '<th class="whale-bars">buy ◀ ▶ sell</th><th>sell base</th><th>sell trades</th><th>net base</th></tr></thead>';
      const body = document.createElement('tbody');
      for (const c of classes) {
        const tr = document.createElement('tr');
        tr.dataset.min = c.min;
        const net = add(c.buyBase, `-${c.sellBase}`.replace('--', ''));
        const cells = [label(c, quote), group(c.buyTrades), group(c.buyBase), null, group(c.sellBase), group(c.sellTrades), group(net)];
        cells.forEach((text, i) => {
          const td = document.createElement('td');
          if (text === null) {
            td.className = 'whale-bars';
            td.innerHTML = `<div class="halves"><div class="half left"><span class="bar buy" style="width:${(100 * Number(c.buyBase)) / max}%"></span></div>`
              + `<div class="half right"><span class="bar sell" style="width:${(100 * Number(c.sellBase)) / max}%"></span></div></div>`;
          } else {
            td.textContent = text;
            if (i === 2) td.className = 'buy';
            if (i === 4) td.className = 'sell';
          }
          tr.append(td);
        });
        body.append(tr);
        count++;
      }
      table.append(body);
      tables.append(table);
    }
    area.dataset.classes = String(count);
    area.dataset.bars = String(bars);
    note.textContent = count === 0
      ? 'no size classes in this range'
      : `${bars} bars${missing ? `; ${missing} bar(s) without classes left out` : ''}`;
  }

  async function load() {
    const mine = ++generation;
    const d = main.dataset;
    if (!d.subject) return;
    const q = new URLSearchParams();
    q.set(d.mode === 'asset' ? 'asset' : 'product', d.subject);
    if (d.venue) q.set('venue', d.venue);
    const interval = document.getElementById('interval').value;
    const barMs = msOf(interval);
    try {
      const extent = await fetch(`/api/volumes/extent?${q}`);
      if (!extent.ok) { note.textContent = 'no volumes yet'; return; }
      const last = Date.parse((await extent.json()).last);
      const end = Math.floor(last / barMs) * barMs + barMs;
      q.set('interval', interval);
      q.set('from', new Date(end - Bars * barMs).toISOString());
      q.set('to', new Date(end).toISOString());
      const response = await fetch(`/api/volumes?${q}`);
      const text = await response.text();
      if (mine !== generation) return;
      if (!response.ok) { note.textContent = `size classes: ${response.status}`; return; }
      // Every number as its exact JSON text (the reviver's source text), never a float.
      const rows = JSON.parse(text, (key, value, context) => (typeof value === 'number' ? (context?.source ?? String(value)) : value));
      // A bar's classes repeat on its buy and sell rows: one row per bar start.
      const perBar = new Map();
      for (const row of rows) if (!perBar.has(row.start)) perBar.set(row.start, row);
      const byQuote = new Map();
      let missing = 0;
      for (const row of perBar.values()) {
        const parts = d.mode === 'asset'
          ? (row.sizeClassesByQuote ?? []).map((p) => [p.quote, p.sizeClasses])
          : row.sizeClasses ? [[d.subject.split('-')[1] ?? '', row.sizeClasses]] : [];
        if (parts.length === 0) missing++;
        for (const [quote, classes] of parts) (byQuote.get(quote) ?? byQuote.set(quote, []).get(quote)).push(classes);
      }
      render([...byQuote.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([quote, lists]) => ({ quote, classes: sum(lists) })), perBar.size, missing);
    } catch (e) {
      note.textContent = `size classes: ${e.message}`;
    }
  }

  function schedule() {
    clearTimeout(pending);
    pending = setTimeout(load, 200);
  }

  new MutationObserver(schedule).observe(main, { attributes: true, attributeFilter: ['data-loads', 'data-updates', 'data-subject', 'data-venue'] });
  window.bvSizeClasses = { tables: () => shown, reload: load, add };
})();
