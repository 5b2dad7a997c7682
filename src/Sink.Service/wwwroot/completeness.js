// Completeness on the dashboard (issue 15): a bar whose trades may be missing (the API's `complete: false`, e.g. a gap
// ingest could not backfill) is flagged, never drawn as if it were whole:
// - its histogram columns are hatched-looking (a paler colour of the side) and carry a ⚠ marker above them;
// - hovering it on the chart shows the reason (#incomplete-tip); its row in "Latest bars" is marked ⚠ with the reason
//   as its title (hover) and in the cell.
// app.js calls the functions below; everything about completeness lives here.
'use strict';
window.bvCompleteness = (() => {
  const PALE = 0.35; // opacity of an incomplete bar's colour

  // A CSV row of /api/volumes: the reason may be quoted (RFC 4180) and hold commas, so it is everything from its column
  // up to the columns after it (sizeClasses: never holds a comma).
  function fromCsv(fields, at) {
    if (at.complete === undefined) return { complete: true, reason: null };
    const complete = fields[at.complete] !== 'false';
    const after = Object.keys(at).length - 1 - at.incompleteReason;
    let reason = fields.slice(at.incompleteReason, fields.length - after).join(',');
    if (reason.startsWith('"') && reason.endsWith('"')) reason = reason.slice(1, -1).replaceAll('""', '"');
    return { complete, reason: complete ? null : reason || 'incomplete' };
  }

  // A JSON row (VolumeBar or AssetBar).
  function fromJson(row) {
    const complete = row.complete !== false;
    return { complete, reason: complete ? null : row.incompleteReason || 'incomplete' };
  }

  // The reason of a bar (both sides), or null when the bar is complete.
  function reasonOf(bar) {
    const reasons = [bar.buy, bar.sell].filter((s) => s && s.complete === false).map((s) => s.reason);
    return reasons.length === 0 ? null : [...new Set(reasons.flatMap((r) => r.split('; ')))].join('; ');
  }

  function pale(hex) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${PALE})`;
  }

  // A histogram point of `bar`: with a pale colour of `color` when the bar is incomplete.
  function point(bar, value, color) {
    return reasonOf(bar) === null ? { time: bar.time, value } : { time: bar.time, value, color: pale(color) };
  }

  let markers = null;
  let tipInstalled = false;
  let shown = { chart: null, bars: [] };

  // After the series were filled: ⚠ markers over incomplete bars (on `series`), the hover tip, and the page's counters.
  function render(LC, chart, series, bars, main) {
    const incomplete = bars.filter((b) => reasonOf(b) !== null);
    main.dataset.incompleteBars = String(incomplete.length);
    shown = { chart, bars: incomplete };
    if (!chart || !series) return;
    const list = incomplete.map((b) => ({ time: b.time, position: 'aboveBar', color: '#f0b429', shape: 'circle', text: '⚠' }));
    if (LC.createSeriesMarkers) {
      if (!markers || markers.series !== series) markers = { series, api: LC.createSeriesMarkers(series, []) };
      markers.api.setMarkers(list);
    }
    if (!tipInstalled) {
      tipInstalled = true;
      const tip = document.getElementById('incomplete-tip');
      chart.subscribeCrosshairMove((param) => {
        const bar = param.time === undefined ? null : window.bvCompleteness.barAt(param.time);
        const reason = bar ? reasonOf(bar) : null;
        if (!reason || !param.point) { tip.hidden = true; return; }
        tip.textContent = `⚠ incomplete: ${reason}`;
        tip.style.left = `${Math.round(param.point.x) + 12}px`;
        tip.style.top = `${Math.round(param.point.y) + 12}px`;
        tip.hidden = false;
      });
    }
  }

  // A row of "Latest bars": flagged with the reason.
  function flagRow(tr, bar) {
    const reason = reasonOf(bar);
    if (reason === null) return;
    tr.classList.add('incomplete');
    tr.title = `Incomplete: ${reason}`;
    tr.cells[0].textContent = `⚠ ${tr.cells[0].textContent}`;
  }

  // For tests and curious users: the incomplete bars shown, with their reason and x coordinate on the chart.
  function incomplete() {
    return shown.bars.map((b) => ({ time: b.time, reason: reasonOf(b), x: shown.chart?.timeScale().timeToCoordinate(b.time) ?? null }));
  }

  return { fromCsv, fromJson, reasonOf, point, render, flagRow, incomplete, barAt: () => null };
})();
