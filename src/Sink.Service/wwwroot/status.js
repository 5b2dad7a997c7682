// The status strip: what the pipeline knows about itself (/api/status, polled), above the chart, so that an empty chart
// is never left without an explanation ("Coinbase unreachable: connect_failed, retrying (attempt 8) — nothing to show
// yet"). Each venue, the aggregator and the database is one item (data-kind, data-venue, data-state); problems first and
// in words, healthy venues as short chips. Kept apart from app.js: it needs nothing of it.
'use strict';
(() => {
  const POLL_MS = 3000;
  const strip = document.getElementById('status-strip');
  if (!strip) return;
  let polls = 0;

  const ago = (iso) => {
    if (!iso) return '';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  };
  const time = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) + ' UTC' : '');

  // One venue in words.
  function venueText(v) {
    const why = v.reason ? `: ${v.reason}` : '';
    const data = v.lastTradeAt ? ` — last trade ${time(v.lastTradeAt)}` : ' — nothing to show yet';
    switch (v.state) {
      case 'connected': return `${v.name} connected`;
      case 'connecting': return `${v.name} connecting…${data}`;
      case 'reconnecting':
        return `${v.name} unreachable${why}, retrying (attempt ${Math.max(1, v.attempts)})${data}`;
      case 'rejected': return `${v.name} refused the subscription${v.detail ? `: ${v.detail}` : why}${data}`;
      case 'stopped': return `${v.name} stopped${why}${v.detail ? ` (${v.detail})` : ''}${data}`;
      case 'stale': return `${v.name}: no status from ingest for ${ago(v.publishedAt)} (last: ${v.reportedState})`;
      default: return `${v.name}: ${v.state}${why}`;
    }
  }

  function aggregatorText(a) {
    switch (a.state) {
      case 'running':
        return a.watermarkLagSeconds === null || a.watermarkLagSeconds === undefined
          ? 'Aggregator running' : `Aggregator running, watermark lag ${Number(a.watermarkLagSeconds).toFixed(1)} s`;
      case 'blocked': return `Aggregator blocked: ${a.instances.map((i) => i.detail).filter(Boolean).join('; ') || a.reason}`;
      case 'unknown': return 'Aggregator: no status reported yet';
      case 'stale': return 'Aggregator: no current status report';
      default: return `Aggregator ${a.state}${a.reason ? `: ${a.reason}` : ''}`;
    }
  }

  function item(kind, id, state, text, title, problem) {
    const el = document.createElement('span');
    el.className = `item ${problem ? 'problem' : 'ok'}`;
    el.dataset.kind = kind;
    if (id) el.dataset.venue = id;
    el.dataset.state = state;
    el.textContent = text;
    if (title) el.title = title;
    return el;
  }

  function render(s) {
    const items = [];
    if (!s.consuming) {
      items.push(item('pipeline', '', 'unknown', 'Pipeline status is not read here (Sink:ConsumerEnabled=false)', '', true));
    } else if (s.venues.length === 0) {
      items.push(item('ingest', '', 'unknown', 'No status from ingest yet — is it running?', '', true));
    }
    for (const v of s.venues) {
      const problem = v.state !== 'connected';
      const title = [v.detail, v.products.length ? `products: ${v.products.join(', ')}` : '', `since ${time(v.since)}`,
        v.openGaps ? `${v.openGaps} open gaps` : ''].filter(Boolean).join(' · ');
      items.push(item('venue', v.venue, v.state, venueText(v), title, problem));
    }
    const a = s.aggregator;
    items.push(item('aggregator', '', a.state, aggregatorText(a), a.instances.map((i) => `${i.instance}: ${i.state}`).join(' · '), a.state !== 'running'));
    const d = s.database;
    items.push(item('database', '', d.state,
      d.state === 'ok' ? `Database (${d.store}) ok` : `Database (${d.store}) failing since ${time(d.since)}: ${d.reason}`,
      d.paused ? `${d.heldRecords} records held, consumption paused` : '', d.state !== 'ok'));
    // Problems first, in their order; healthy items after.
    items.sort((x, y) => (y.classList.contains('problem') ? 1 : 0) - (x.classList.contains('problem') ? 1 : 0));
    strip.replaceChildren(...items);
    strip.dataset.state = items.some((i) => i.classList.contains('problem')) ? 'problem' : 'ok';
  }

  async function poll() {
    try {
      const response = await fetch('/api/status', { headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
    } catch (e) {
      strip.replaceChildren(item('pipeline', '', 'error', `Cannot read /api/status (${e.message})`, '', true));
      strip.dataset.state = 'problem';
    }
    strip.dataset.polls = String(++polls);
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
