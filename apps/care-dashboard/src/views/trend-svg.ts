import { sparkline, type TrendPoint } from '../trend';

const SVG = 'http://www.w3.org/2000/svg';
const W = 96;
const H = 36;

function svgEl(tag: string, attrs: Record<string, string>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** The row's small trend: an inline SVG with its summary as the accessible name (and as a tooltip). */
export function trendSvg(trend: TrendPoint[]): SVGElement {
  const s = sparkline(trend, W, H);
  const svg = svgEl('svg', {
    class: `trend trend-${s.direction}`,
    width: String(W),
    height: String(H),
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': s.summary,
    'data-direction': s.direction,
  });
  const title = svgEl('title', {});
  title.textContent = s.summary;
  svg.append(title);
  // The midline (score 50) as a faint guide.
  svg.append(svgEl('line', { x1: '2', x2: String(W - 2), y1: String(H / 2), y2: String(H / 2), class: 'trend-guide' }));
  if (s.points) svg.append(svgEl('polyline', { points: s.points, class: 'trend-line', fill: 'none' }));
  if (s.last) svg.append(svgEl('circle', { cx: String(s.last.x), cy: String(s.last.y), r: '2.5', class: 'trend-dot' }));
  return svg;
}
