// BitcoinVolume dashboard. Two modes:
// - asset (the default, "Bitcoin, all venues"): /api/volumes?asset=BTC&venue=spot — per bar, taker buy volume stacked by
//   venue above zero and sell volume stacked by venue below zero (each venue one stable colour), the net (buy − sell)
//   line, and a share table: each venue's trades, base volume, % share and buy/sell over the visible range. Base volume
//   (the asset) only: quote volumes of different currencies are never added.
// - product: one product on the chosen venue(s) (/api/volumes?product=…&venue=…): price + stacked buy/sell + net, as before.
// Decimals stay exact strings: CSV fields, and JSON whose number literals are quoted before parsing; totals and shares are
// summed exactly (BigInt fixed point); only the chart's plotting uses floating point. Live: /api/volumes/stream (SSE, same
// subject) says which base windows changed; the bars that contain them are re-read from the API (exact) and merged. The
// base window (Sink:Window) and the intervals offered with it come from /api/config.
'use strict';
(() => {
  const BARS = 150; // bars shown, ending at the latest stored window
  const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 };
  const DEFAULT_ASSET = 'BTC';
  const $ = (id) => document.getElementById(id);
  const main = $('dashboard');
  const state = {
    venue: 'spot', // spot | all | a venue id
    asset: null, // asset mode: the base asset (e.g. BTC)
    product: null, // product mode: the product id
    interval: null,
    windowMs: 0, // the base window, from /api/config
    barMs: 0, // the selected interval
    bars: new Map(), // bar start (ms) -> { time, buy, sell }
    venues: [], // /api/venues
    source: null,
    pending: new Set(),
    timer: 0,
    updates: 0,
    generation: 0,
  };

  // ---- exact decimals ({ v: BigInt, s: scale }) ----
  const D = {
    zero: { v: 0n, s: 0 },
    parse(value) {
      if (value === null || value === undefined || value === '') return D.zero;
      let text = String(value);
      let exponent = 0;
      const e = text.search(/[eE]/);
      if (e >= 0) { exponent = Number(text.slice(e + 1)); text = text.slice(0, e); }
      const negative = text.startsWith('-');
      const [i, f = ''] = (negative ? text.slice(1) : text).split('.');
      let v = BigInt((negative ? '-' : '') + (i || '0') + f);
      let s = f.length - exponent;
      if (s < 0) { v *= 10n ** BigInt(-s); s = 0; }
      return { v, s };
    },
    align(a, b) {
      const s = Math.max(a.s, b.s);
      return [a.v * 10n ** BigInt(s - a.s), b.v * 10n ** BigInt(s - b.s), s];
    },
    add(a, b) { const [x, y, s] = D.align(a, b); return { v: x + y, s }; },
    sub(a, b) { const [x, y, s] = D.align(a, b); return { v: x - y, s }; },
    neg(a) { return { v: -a.v, s: a.s }; },
    isZero(a) { return a.v === 0n; },
    text(a) {
      const negative = a.v < 0n;
      const digits = (negative ? -a.v : a.v).toString().padStart(a.s + 1, '0');
      const int = digits.slice(0, digits.length - a.s).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
      const frac = digits.slice(digits.length - a.s).replace(/0+$/, '');
      return (negative ? '-' : '') + int + (frac ? '.' + frac : '');
    },
    num(a) { return Number(D.text(a).replaceAll(',', '')); },
    // 100 × part / whole as text with two decimals (half away from zero); '–' when whole is zero.
    percent(part, whole) {
      const [x, t] = D.align(part, whole);
      if (t === 0n) return '–';
      const negative = (x < 0n) !== (t < 0n) && x !== 0n;
      const ax = x < 0n ? -x : x, at = t < 0n ? -t : t;
      const q = (ax * 20000n + at) / (2n * at); // hundredths of a percent, rounded
      return `${negative ? '-' : ''}${q / 100n}.${(q % 100n).toString().padStart(2, '0')} %`;
    },
  };

  // JSON with every number literal kept as its exact text (the API writes decimals as JSON numbers).
  function exactJson(text) {
    const out = [];
    let i = 0, start = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) { // "
        i++;
        while (i < n && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 ? 2 : 1;
        i++;
      } else if (c === 45 || (c >= 48 && c <= 57)) { // - or digit
        let j = i + 1;
        while (j < n && /[0-9eE.+-]/.test(text[j])) j++;
        out.push(text.slice(start, i), '"', text.slice(i, j), '"');
        i = j;
        start = j;
      } else {
        i++;
      }
    }
    out.push(text.slice(start));
    return JSON.parse(out.join(''));
  }

  // ---- venue colours (stable: known ids fixed, others hashed into a palette) ----
  const VENUE_COLORS = {
    coinbase: '#3b82f6', binance: '#eab308', kraken: '#8b5cf6', bitstamp: '#22c55e', bybit: '#f97316',
    'bybit-linear': '#fb7185', okx: '#94a3b8', 'binance-us': '#facc15', gemini: '#06b6d4',
  };
  const EXTRA_COLORS = ['#14b8a6', '#e879f9', '#84cc16', '#f43f5e', '#0ea5e9', '#a3e635', '#fbbf24', '#c084fc'];
  function venueColor(id) {
    if (VENUE_COLORS[id]) return VENUE_COLORS[id];
    let h = 0;
    for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return EXTRA_COLORS[h % EXTRA_COLORS.length];
  }
  // Sell bars: the venue's colour, darker (opaque: the stacks overlap, a transparent colour would mix with the one behind).
  function shade(hex) {
    const n = parseInt(hex.slice(1), 16);
    const part = (shift) => Math.round(((n >> shift) & 255) * 0.62).toString(16).padStart(2, '0');
    return `#${part(16)}${part(8)}${part(0)}`;
  }

  // ---- chart ----
  const colors = { buy: '#26a69a', sell: '#ef5350', net: '#f5f5f5', price: '#5b9cf6' };
  const LC = window.LightweightCharts;
  const C = window.bvCompleteness; // completeness.js: incomplete bars flagged with their reason
  let chart = null;
  let series = null; // { price, net, total?, buy?, stacks: [{ venue, side, series }] }
  if (LC) {
    chart = LC.createChart($('chart'), {
      autoSize: true,
      layout: { background: { color: '#161c23' }, textColor: '#c7d0da', panes: { separatorColor: '#2a323c' } },
      grid: { vertLines: { color: '#1f262e' }, horzLines: { color: '#1f262e' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#2a323c' },
      rightPriceScale: { borderColor: '#2a323c' },
      localization: { timeFormatter: (t) => stamp(t * 1000) },
    });
    chart.timeScale().subscribeVisibleLogicalRangeChange(() => updateTotals());
  }

  const histogram = (color, title, pane) => chart.addSeries(LC.HistogramSeries, { color, title, priceLineVisible: false, lastValueVisible: false }, pane);

  // The series of the mode. Product mode: price pane over a pane of stacked buy/sell and net. Asset mode (venues given):
  // one pane, one buy and one sell histogram per venue (in stack order) and net; no price (the products' quote
  // currencies differ).
  function buildSeries(venues) {
    if (!chart) return;
    if (series) {
      for (const s of [series.price, series.net, series.total, series.buy, ...series.stacks.map((x) => x.series)]) if (s) chart.removeSeries(s);
    }
    series = { stacks: [], venues: venues ? venues.join(',') : null };
    let pane = 0;
    if (venues) {
      // Stacked by drawing running sums: the tallest (all venues) first, behind; the first venue last, in front.
      for (const side of ['buy', 'sell']) {
        const stack = venues.map((venue) => ({ venue, side, series: null }));
        for (let i = stack.length - 1; i >= 0; i--) {
          const color = venueColor(stack[i].venue);
          stack[i].color = side === 'buy' ? color : shade(color);
          stack[i].series = histogram(stack[i].color, '', pane);
        }
        series.stacks.push(...stack);
      }
    } else {
      series.price = chart.addSeries(LC.LineSeries, { color: colors.price, lineWidth: 2, title: 'price', priceLineVisible: false }, 0);
      pane = 1;
      // Stacked: the sell series is drawn at buy + sell, the buy series over it from zero.
      series.total = histogram(colors.sell, 'sell', pane);
      series.buy = histogram(colors.buy, 'buy', pane);
    }
    series.net = chart.addSeries(LC.LineSeries, { color: colors.net, lineWidth: 2, title: 'net', priceLineVisible: false }, pane);
    const panes = chart.panes();
    if (panes.length > 1) panes[1].setHeight(300);
  }

  // ---- helpers ----
  function show(stateName, message) {
    main.dataset.state = stateName;
    const overlay = $('overlay');
    overlay.classList.toggle('hidden', !message);
    $('overlay-text').textContent = message || '';
  }

  function status(text) { $('status').textContent = text; }

  // Length of an interval such as 10s, 1m, 4h, 1d or a bare number (minutes), in milliseconds.
  function msOf(interval) {
    const m = /^(\d+)([smhd]?)$/.exec(interval ?? '');
    return m ? Number(m[1]) * UNIT_SECONDS[m[2] || 'm'] * 1000 : state.windowMs;
  }

  function iso(ms) { return new Date(ms).toISOString().replace('.000Z', 'Z'); }

  // 'YYYY-MM-DD HH:MM' (UTC), with ':SS' when the base window is shorter than a minute.
  function stamp(ms) {
    return iso(ms).slice(0, state.windowMs % msOf('1m') === 0 ? 16 : 19).replace('T', ' ');
  }

  function venueLabel(id) {
    if (id === 'spot') return 'All venues (spot)';
    if (id === 'all') return 'All venues + derivatives';
    return id;
  }

  function subjectLabel() {
    return `${state.asset ? (state.asset === 'BTC' ? 'Bitcoin' : state.asset) : state.product}, ${venueLabel(state.venue).replace('All venues', 'all venues')}`;
  }

  // The query parameters of the shown subject: asset or product, and venue.
  function subject() {
    const q = new URLSearchParams();
    if (state.asset) q.set('asset', state.asset); else q.set('product', state.product);
    q.set('venue', state.venue);
    return q;
  }

  async function api(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json, text/csv' } });
    if (!response.ok) {
      let detail = response.statusText;
      let errors = {};
      try {
        const problem = await response.json();
        errors = problem.errors ?? {};
        detail = problem.title + (problem.errors ? ' ' + Object.values(problem.errors).flat().join(' ') : problem.detail ? ' ' + problem.detail : '');
      } catch { /* not problem details */ }
      throw Object.assign(new Error(`${response.status}: ${detail}`), { status: response.status, errors });
    }
    return response;
  }

  async function fetchBars(fromMs, toMs) {
    const q = subject();
    q.set('interval', state.interval);
    q.set('from', iso(fromMs));
    q.set('to', iso(toMs));
    return state.asset ? fetchAssetBars(q) : fetchProductBars(q);
  }

  async function fetchProductBars(q) {
    q.set('format', 'csv');
    const text = await (await api(`/api/volumes?${q}`)).text();
    const lines = text.split('\n').filter((l) => l.length > 0);
    const header = lines.shift().split(',');
    const at = Object.fromEntries(header.map((name, i) => [name, i]));
    return lines.map((line) => {
      const f = line.split(',');
      const quote = D.parse(f[at.quoteVolume]);
      return {
        start: Date.parse(f[at.start]),
        side: f[at.side],
        trades: BigInt(f[at.trades]),
        base: D.parse(f[at.baseVolume]),
        quote,
        quotes: new Map([['', quote]]),
        net: D.parse(f[at.net]),
        imbalance: f[at.imbalance],
        byVenue: null,
        ...C.fromCsv(f, at),
      };
    });
  }

  // AssetBar rows (JSON, exact): byVenue has one entry per (venue, product); they are summed per venue here (base
  // volume and trades; quote volumes only per quote currency).
  async function fetchAssetBars(q) {
    const rows = exactJson(await (await api(`/api/volumes?${q}`)).text());
    return rows.map((r) => {
      const byVenue = new Map();
      const quotes = new Map();
      for (const share of r.byVenue) {
        const base = D.parse(share.baseVolume);
        const v = byVenue.get(share.venue) ?? { trades: 0n, base: D.zero };
        v.trades += BigInt(share.trades);
        v.base = D.add(v.base, base);
        byVenue.set(share.venue, v);
        quotes.set(share.quote, D.add(quotes.get(share.quote) ?? D.zero, D.parse(share.quoteVolume)));
      }
      return {
        start: Date.parse(r.start),
        side: String(r.side).toLowerCase(),
        trades: BigInt(r.trades),
        base: D.parse(r.baseVolume),
        quote: r.quoteVolume === undefined ? null : D.parse(r.quoteVolume), // only when one quote currency
        quotes,
        net: D.parse(r.net),
        imbalance: r.imbalance,
        byVenue,
        ...C.fromJson(r),
      };
    });
  }

  function merge(rows, fromMs, toMs) {
    for (const start of [...state.bars.keys()]) {
      if (start >= fromMs && start < toMs) state.bars.delete(start);
    }
    for (const row of rows) {
      const bar = state.bars.get(row.start) ?? { time: row.start / 1000, buy: null, sell: null };
      bar[row.side] = row;
      state.bars.set(row.start, bar);
    }
  }

  function barValues(bar) {
    const buy = bar.buy?.base ?? D.zero;
    const sell = bar.sell?.base ?? D.zero;
    const base = D.add(buy, sell);
    const quotes = new Map();
    for (const side of [bar.buy, bar.sell]) {
      for (const [ccy, value] of side?.quotes ?? []) quotes.set(ccy, D.add(quotes.get(ccy) ?? D.zero, value));
    }
    // A price only when the whole bar is in one quote currency.
    const quote = quotes.size === 1 ? [...quotes.values()][0] : null;
    const price = quote === null || D.isZero(base) ? null : D.num(quote) / D.num(base);
    return { buy, sell, net: D.sub(buy, sell), base, quotes, price };
  }

  function sortedBars() { return [...state.bars.values()].sort((a, b) => a.time - b.time); }
  C.barAt = (time) => state.bars.get(time * 1000) ?? null;

  // Venues with volume in the loaded bars, ordinal by id (the stack order, bottom first).
  function barVenues(bars) {
    const ids = new Set();
    for (const bar of bars) for (const side of [bar.buy, bar.sell]) for (const id of side?.byVenue?.keys() ?? []) ids.add(id);
    return [...ids].sort();
  }

  function render(fit) {
    const bars = sortedBars();
    const grew = bars.length > Number(main.dataset.bars || 0);
    main.dataset.bars = String(bars.length);
    main.dataset.buyBars = String(bars.filter((b) => b.buy && !D.isZero(b.buy.base)).length);
    main.dataset.sellBars = String(bars.filter((b) => b.sell && !D.isZero(b.sell.base)).length);
    const venues = state.asset ? barVenues(bars) : null;
    main.dataset.stackVenues = venues ? venues.join(',') : '';
    if (chart) {
      if (!series || series.venues !== (venues ? venues.join(',') : null)) buildSeries(venues);
      const values = bars.map((b) => [b.time, barValues(b)]);
      if (venues) {
        for (const side of ['buy', 'sell']) {
          const stack = series.stacks.filter((s) => s.side === side);
          const sums = bars.map(() => D.zero);
          for (const s of stack) {
            const data = [];
            bars.forEach((bar, i) => {
              const share = bar[side]?.byVenue?.get(s.venue);
              if (share) sums[i] = D.add(sums[i], share.base);
              data.push(C.point(bar, D.num(side === 'buy' ? sums[i] : D.neg(sums[i])), s.color));
            });
            s.series.setData(data);
          }
        }
      } else {
        series.buy.setData(bars.map((bar, i) => C.point(bar, D.num(values[i][1].buy), colors.buy)));
        series.total.setData(bars.map((bar, i) => C.point(bar, D.num(values[i][1].base), colors.sell)));
      }
      C.render(LC, chart, venues ? series.stacks[0]?.series : series.total, bars, main);
      series.net.setData(values.map(([time, v]) => ({ time, value: D.num(v.net) })));
      series.price?.setData(values.filter(([, v]) => v.price !== null).map(([time, v]) => ({ time, value: v.price })));
      // New bars on the right: keep everything in view while it fits, else follow the latest bar.
      if (fit || (grew && bars.length <= 2 * BARS)) chart.timeScale().fitContent();
      else if (grew) chart.timeScale().scrollToRealTime();
    }
    renderLegend(venues);
    if (bars.length === 0) {
      show('empty', `No volumes for ${subjectLabel()} in this range yet — waiting for live data…`);
    } else if (!chart) {
      show('ready', 'The chart library is missing (build Sink.Service with npm available); totals and the tables still work.');
    } else {
      show('ready', null);
    }
    updateTotals();
    updateTable(bars);
  }

  function swatch(color, text) {
    const span = document.createElement('span');
    span.className = 'item';
    const sw = document.createElement('span');
    sw.className = 'sw';
    sw.style.background = color;
    span.append(sw, text);
    return span;
  }

  function renderLegend(venues) {
    const legend = $('legend');
    if (venues) {
      legend.replaceChildren(
        ...venues.map((id) => { const s = swatch(venueColor(id), id); s.dataset.venue = id; return s; }),
        swatch(colors.net, 'net (buy − sell)'),
        Object.assign(document.createElement('span'), {
          className: 'note', textContent: `${state.asset} base volume: buy stacked by venue above zero, sell (darker) below zero`,
        }),
      );
    } else {
      legend.replaceChildren(
        swatch(colors.price, 'price (VWAP of the bar)'), swatch(colors.buy, 'buy volume'),
        swatch(colors.sell, 'sell volume (stacked on buy)'), swatch(colors.net, 'net (buy − sell)'));
    }
  }

  function visibleBars() {
    const bars = sortedBars();
    const range = chart?.timeScale().getVisibleRange();
    return range ? bars.filter((b) => b.time >= range.from && b.time <= range.to) : bars;
  }

  function updateTotals() {
    const visible = visibleBars();
    let buy = D.zero, sell = D.zero, trades = 0n;
    const quotes = new Map();
    for (const bar of visible) {
      const v = barValues(bar);
      buy = D.add(buy, v.buy);
      sell = D.add(sell, v.sell);
      for (const [ccy, q] of v.quotes) quotes.set(ccy, D.add(quotes.get(ccy) ?? D.zero, q));
      trades += (bar.buy?.trades ?? 0n) + (bar.sell?.trades ?? 0n);
    }
    const total = D.add(buy, sell);
    $('t-buy').textContent = D.text(buy);
    $('t-sell').textContent = D.text(sell);
    $('t-net').textContent = D.text(D.sub(buy, sell));
    $('t-imbalance').textContent = D.isZero(total) ? '–' : `${((D.num(buy) - D.num(sell)) / D.num(total) * 100).toFixed(2)} %`;
    $('t-trades').textContent = trades.toLocaleString('en-US');
    // Notional per quote currency, never added across currencies.
    $('t-quote').textContent = quotes.size === 0 ? '–'
      : [...quotes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ccy, q]) => (ccy ? `${D.text(q)} ${ccy}` : D.text(q))).join(' · ');
    $('t-quote').title = $('t-quote').textContent;
    $('t-quote').classList.toggle('multi', quotes.size > 1);
    $('t-range').textContent = visible.length
      ? `${stamp(visible[0].time * 1000).slice(5)} → ${stamp(visible[visible.length - 1].time * 1000 + state.barMs).slice(5)} (${visible.length})`
      : '–';
    updateShares(visible);
  }

  // Each venue's share of the base volume over the visible bars (asset mode).
  function updateShares(visible) {
    const section = $('shares');
    section.hidden = !state.asset;
    if (!state.asset) return;
    const venues = new Map();
    const all = { trades: 0n, base: D.zero, buy: D.zero, sell: D.zero };
    for (const bar of visible) {
      for (const side of ['buy', 'sell']) {
        for (const [id, share] of bar[side]?.byVenue ?? []) {
          const v = venues.get(id) ?? { trades: 0n, base: D.zero, buy: D.zero, sell: D.zero };
          for (const t of [v, all]) {
            t.trades += share.trades;
            t.base = D.add(t.base, share.base);
            t[side] = D.add(t[side], share.base);
          }
          venues.set(id, v);
        }
      }
    }
    const row = (id, v, label) => {
      const tr = document.createElement('tr');
      if (id) tr.dataset.venue = id;
      const name = document.createElement('td');
      if (id) name.append(Object.assign(document.createElement('span'), { className: 'sw' }));
      if (id) name.firstChild.style.background = venueColor(id);
      name.append(label);
      tr.append(name);
      for (const [text, cls] of [
        [v.trades.toLocaleString('en-US'), ''], [D.text(v.base), ''], [D.percent(v.base, all.base), 'share'],
        [D.text(v.buy), 'buy'], [D.text(v.sell), 'sell'], [D.text(D.sub(v.buy, v.sell)), ''],
      ]) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      return tr;
    };
    $('share-rows').replaceChildren(...[...venues].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, v]) => row(id, v, id)));
    $('share-total').replaceChildren(row(null, all, 'all venues'));
    $('share-asset').textContent = state.asset;
  }

  function updateTable(bars, flashed = new Set()) {
    const body = $('rows');
    body.replaceChildren(...bars.slice(-12).reverse().map((bar) => {
      const v = barValues(bar);
      const tr = document.createElement('tr');
      if (flashed.has(bar.time * 1000)) tr.className = 'flash';
      const flag = () => C.flagRow(tr, bar);
      const cells = [
        stamp(bar.time * 1000),
        D.text(v.buy), D.text(v.sell), D.text(v.net),
        Number(bar.buy?.imbalance ?? bar.sell?.imbalance ?? '0').toFixed(4),
        v.price === null ? '–' : String(Number(v.price.toPrecision(8))),
        ((bar.buy?.trades ?? 0n) + (bar.sell?.trades ?? 0n)).toString(),
      ];
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (i === 1) td.className = 'buy';
        if (i === 2) td.className = 'sell';
        tr.append(td);
      });
      flag();
      return tr;
    }));
  }

  // ---- selectors ----
  async function loadVenues() {
    const select = $('venue');
    const current = select.value || new URLSearchParams(location.search).get('venue') || 'spot';
    try {
      state.venues = await (await api('/api/venues')).json();
    } catch (e) {
      status(`Cannot load /api/venues (${e.message}); only the venue groups are offered.`);
    }
    const options = [new Option(venueLabel('spot'), 'spot'), new Option(venueLabel('all'), 'all')];
    for (const v of state.venues) {
      const option = new Option(`${v.id}${v.market === 'spot' ? '' : ` (${v.market})`}${v.products.length ? '' : ' — no data'}`, v.id);
      option.disabled = v.products.length === 0 && v.id !== current;
      options.push(option);
    }
    select.replaceChildren(...options);
    select.value = options.some((o) => o.value === current) ? current : 'spot';
  }

  // The product selector: one "all products" entry per base asset, then the products of the selected venue(s).
  async function loadProducts() {
    const select = $('product');
    const venue = $('venue').value;
    const params = new URLSearchParams(location.search);
    const current = select.value || (params.get('product') ? params.get('product') : params.get('asset') ? `asset:${params.get('asset')}` : '');
    try {
      const products = await (await api(`/api/products?venue=${encodeURIComponent(venue)}`)).json();
      if (venue !== $('venue').value) return; // changed meanwhile
      const assets = [...new Set(products.filter((p) => p.includes('-')).map((p) => p.split('-')[0]))].sort();
      select.replaceChildren(
        ...assets.map((a) => new Option(`${a === 'BTC' ? 'Bitcoin' : a} — all products`, `asset:${a}`)),
        ...products.map((p) => new Option(p, p)));
      if (products.length === 0) {
        show('empty', `No products on ${venueLabel(venue)} yet — waiting for the first volumes…`);
        setTimeout(loadProducts, 3000);
        return;
      }
      const values = [...select.options].map((o) => o.value);
      select.value = values.includes(current) ? current
        : values.includes(`asset:${DEFAULT_ASSET}`) ? `asset:${DEFAULT_ASSET}` : values[0];
      await load();
    } catch (e) {
      show('error', `Cannot load products: ${e.message}`);
      setTimeout(loadProducts, 5000);
    }
  }

  // ---- loading ----
  async function load() {
    const generation = ++state.generation;
    const choice = $('product').value;
    state.venue = $('venue').value || 'spot';
    state.asset = choice.startsWith('asset:') ? choice.slice('asset:'.length) : null;
    state.product = state.asset ? null : choice;
    state.interval = $('interval').value;
    state.barMs = msOf(state.interval);
    state.bars.clear();
    state.pending.clear();
    main.dataset.mode = state.asset ? 'asset' : 'product';
    main.dataset.venue = state.venue;
    main.dataset.subject = state.asset ?? state.product;
    $('title-sub').textContent = subjectLabel();
    const url = new URLSearchParams(subject());
    url.set('interval', state.interval);
    history.replaceState(null, '', `?${url}`);
    show('loading', `Loading ${subjectLabel()} ${state.interval}…`);
    connect();
    try {
      const extent = await (await api(`/api/volumes/extent?${subject()}`)).json();
      const first = Math.floor(Date.parse(extent.first) / state.barMs) * state.barMs;
      const end = Math.floor(Date.parse(extent.last) / state.barMs) * state.barMs + state.barMs;
      // Up to BARS bars; fewer when the range is over the API's row limits (Sink:MaxRows, Sink:MaxMinuteRows: the asset
      // view reads one stream per venue and product, so a long interval can be over them): halved until it fits.
      let bars = Math.min(BARS, Math.round((end - first) / state.barMs));
      let from, rows;
      for (;;) {
        from = end - bars * state.barMs;
        try {
          rows = await fetchBars(from, end);
          break;
        } catch (e) {
          if (e.status !== 400 || !e.errors?.to || bars <= 1) throw e;
          bars = Math.floor(bars / 2);
        }
      }
      if (generation !== state.generation) return;
      merge(rows, from, end);
      render(true);
      main.dataset.loads = String(Number(main.dataset.loads || 0) + 1);
      const limited = bars < Math.min(BARS, Math.round((end - first) / state.barMs)) ? ` (the latest ${bars} bars: the range is over the API's row limit)` : '';
      status(`${subjectLabel()} ${state.interval}: ${rows.length} rows loaded at ${new Date().toISOString().slice(11, 19)} UTC${limited}`);
    } catch (e) {
      if (generation === state.generation) show('error', `Cannot load volumes: ${e.message}`);
    }
  }

  // ---- live ----
  function connect() {
    state.source?.close();
    const live = $('live');
    live.className = 'live off';
    $('live-text').textContent = 'connecting…';
    const source = new EventSource(`/api/volumes/stream?${subject()}`);
    state.source = source;
    source.onopen = () => { live.className = 'live on'; $('live-text').textContent = 'live'; };
    source.onerror = () => { live.className = 'live off'; $('live-text').textContent = 'reconnecting…'; };
    source.addEventListener('volume', (e) => {
      const update = JSON.parse(e.data); // only the start is used: values are re-read exactly from the API
      const start = Date.parse(update.start);
      state.pending.add(Math.floor(start / state.barMs) * state.barMs);
      clearTimeout(state.timer);
      state.timer = setTimeout(flush, 250);
    });
    source.addEventListener('resync', () => load());
  }

  async function flush() {
    if (state.pending.size === 0) return;
    const generation = state.generation;
    const starts = [...state.pending];
    state.pending.clear();
    const from = Math.min(...starts);
    const to = Math.max(...starts) + state.barMs;
    try {
      const rows = await fetchBars(from, to);
      if (generation !== state.generation) return;
      merge(rows, from, to);
      state.updates += 1;
      main.dataset.updates = String(state.updates);
      render(false);
      updateTable(sortedBars(), new Set(starts));
      status(`Live update #${state.updates} at ${new Date().toISOString().slice(11, 19)} UTC: ${starts.length} bar(s) changed`);
    } catch (e) {
      status(`Live update failed: ${e.message}`);
    }
  }

  // The base window and the intervals offered with it (the base window first). Without an answer the page keeps the
  // intervals of index.html and takes the first as the base window.
  async function loadConfig() {
    const select = $('interval');
    try {
      const config = await (await api('/api/config')).json();
      state.windowMs = config.windowSeconds * 1000;
      select.replaceChildren(...config.intervals.map((name) => new Option(name, name)));
    } catch (e) {
      state.windowMs = msOf(select.options[0]?.value);
      status(`Cannot load /api/config (${e.message}); assuming ${select.options[0]?.value} windows.`);
    }
    chart?.applyOptions({ timeScale: { secondsVisible: state.windowMs % msOf('1m') !== 0 } });
  }

  // For tests and curious users: what the stacked histograms hold (one buy and one sell series per venue).
  window.bvDashboard = {
    stacks: () => (series?.stacks ?? []).map((s) => ({
      venue: s.venue, side: s.side, color: venueColor(s.venue), data: s.series.data().map((p) => ({ time: p.time, value: p.value })),
    })),
    net: () => (series?.net?.data() ?? []).map((p) => ({ time: p.time, value: p.value })),
  };

  $('venue').addEventListener('change', loadProducts);
  $('product').addEventListener('change', load);
  $('interval').addEventListener('change', load);
  loadConfig().then(async () => {
    const wanted = new URLSearchParams(location.search).get('interval');
    if (wanted && [...$('interval').options].some((o) => o.value === wanted)) $('interval').value = wanted;
    await loadVenues();
    await loadProducts();
  });
  // New venues and products appear in the selectors without a reload.
  setInterval(async () => {
    try {
      const products = await (await api(`/api/products?venue=${encodeURIComponent($('venue').value)}`)).json();
      const select = $('product');
      for (const p of products) {
        if (![...select.options].some((o) => o.value === p)) select.append(new Option(p, p));
        const a = p.includes('-') ? `asset:${p.split('-')[0]}` : null;
        if (a && ![...select.options].some((o) => o.value === a)) select.prepend(new Option(`${a.slice(6)} — all products`, a));
      }
      const venues = await (await api('/api/venues')).json();
      for (const v of venues) {
        const option = [...$('venue').options].find((o) => o.value === v.id);
        if (!option) $('venue').append(new Option(v.id, v.id));
        else if (v.products.length) { option.disabled = false; option.textContent = option.textContent.replace(' — no data', ''); }
      }
    } catch { /* shown on the next load */ }
  }, 30_000);
})();
