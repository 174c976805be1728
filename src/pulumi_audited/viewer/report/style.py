"""The report's style sheet, for the screen and for print (A4, an audit binder)."""

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1d232a; background: #fff; margin: 0 auto; padding: 1.5rem 2rem; max-width: 1200px; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 2px solid #d8dee4; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta, .note { color: #57606a; }
.warning { color: #c8372d; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr));
  gap: .6rem; margin: 1rem 0; }
.cards div { border: 1px solid #d8dee4; border-radius: 6px; padding: .5rem .8rem;
  display: flex; flex-direction: column-reverse; justify-content: flex-end; }
.cards dd { font-size: 1.5rem; font-weight: 600; margin: 0; }
.cards dt { color: #57606a; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr));
  gap: 0 2rem; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #1d232a; }
svg.chart text.inside { fill: #fff; }
svg.chart line.grid { stroke: #d8dee4; stroke-width: 1; }
.legend { margin: .3rem 0; }
.legend .key { margin-right: 1rem; white-space: nowrap; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
  vertical-align: -1px; border-radius: 2px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: .4rem 0; }
table.compact { width: auto; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eaeef2;
  vertical-align: top; }
th { background: #f6f8fa; }
td.when { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, td.argv, td.mono { font-family: ui-monospace, Menlo, Consolas, monospace;
  word-break: break-all; }
td.argv { max-width: 28rem; }
.o-failed, .o-signaled, .unplanned { color: #c8372d; font-weight: 600; }
.o-canceled { color: #b36b00; }
tr:target { background: #fff4c2; }
a { color: #0a58ca; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 10pt; padding: 0; max-width: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: avoid-page; }
  #changes, #previews, #failures, #reveals, #outside-hours { break-inside: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  tr:target { background: none; }
}
"""
