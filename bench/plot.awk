# bench/plot.awk: results.svg, grouped bars per workload per dataplane,
# each the dataplane's median as a ratio to the Linux bridge's (so that
# Gbit/s, Mpps and µs fit one axis), with min–max whiskers. The axis is
# logarithmic (base 2), so 0.5× and 2× are as far from 1× and an outlier
# does not flatten the rest.
# Input (tab-separated, from results.json):
#   ID TITLE BETTER DATAPLANE RATIO RATIO_MIN RATIO_MAX PARTIAL HAS BRIDGE_HAS
#   ("null" for none)
# HAS, BRIDGE_HAS: "true" when the dataplane, the bridge, has a figure
# of the workload. TEXT is the title's start; what the bars are
# relative to follows it.
# PARTIAL "true": the ratio is over only the repetitions in which both
# the dataplane and the bridge have a figure: a pale bar, marked "*".
# awk -F'\t' -v title=TEXT -f bench/plot.awk
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
function num(s) { return s == "null" || s == "" ? -1 : s + 0 }
function lg(v) { return v > 0 ? log(v) / log(2) : lo }
function y(v,    l) {
	l = lg(v)
	if (l < lo) l = lo
	if (l > hi) l = hi
	return top + ph - (l - lo) / (hi - lo) * ph
}
function floor(x) { return x == int(x) ? x : x < 0 ? int(x) - 1 : int(x) }
function ceil(x) { return -floor(-x) }
BEGIN {
	color["kernel"] = "#4e79a7"; color["afxdp"] = "#f28e2b"; color["xdp"] = "#59a14f"; color["tc"] = "#e15759"
	color["ovs"] = "#e15759"; spare[0] = "#b07aa1"; spare[1] = "#9c755f"
	top = 80; ph = 260; left = 110; barw = 16; gap = 26
}
{
	if (!($1 in gi)) { ng++; gi[$1] = ng; gid[ng] = $1; gt[ng] = $2; gb[ng] = $3 }
	if (!($4 in di)) { nd++; di[$4] = nd; dn[nd] = $4; if (!($4 in color)) color[$4] = spare[nd % 2] }
	k = gi[$1] SUBSEP di[$4]
	r[k] = num($5); rmin[k] = num($6); rmax[k] = num($7)
	part[k] = $8 == "true" && r[k] >= 0
	if (part[k]) anypart = 1
	has[k] = $9 == "true"; khas[k] = $10 == "true"
	if (khas[k]) anyk = 1
	if (rmax[k] > vmax) vmax = rmax[k]
	if (r[k] > vmax) vmax = r[k]
	if (rmin[k] > 0 && (vmin == "" || rmin[k] < vmin)) vmin = rmin[k]
	if (r[k] > 0 && (vmin == "" || r[k] < vmin)) vmin = r[k]
}
END {
	# Powers of two around every value, at least 0.5× to 2×, at most
	# 1/256× to 256× (beyond: clipped, the tooltip has the value).
	lo = vmin == "" ? -1 : floor(lg(vmin)); hi = ceil(lg(vmax))
	if (lo > -1) lo = -1
	if (hi < 1) hi = 1
	if (lo < -8) lo = -8
	if (hi > 8) hi = 8
	every = hi - lo > 8 ? 2 : 1
	gw = nd * barw + gap
	pw = ng * gw
	title = title (anyk ? ": each workload relative to the Linux bridge (kernel = 1.0)" : ": no figure of the Linux bridge, so no ratios")
	width = left + pw + 150
	if (width < 640) width = 640
	if (width < left + 8 * length(title)) width = left + 8 * length(title)
	height = top + ph + 130 + (anypart ? 16 : 0)
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	printf "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>\n", left, esc(title)
	printf "<text x=\"%d\" y=\"42\" fill=\"#555\">bar: the dataplane's median divided by the bridge's median; whisker: its min and max, divided the same way</text>\n", left
	printf "<text x=\"%d\" y=\"58\" fill=\"#555\">log scale; ↓: lower is better (latency); failed: every repetition failed; no bridge: a figure, but none of the bridge to divide by; no ratio: no repetition both have; a dataplane that did not run has no bars</text>\n", left
	if (anypart)
		printf "<text x=\"%d\" y=\"%d\" fill=\"#555\">pale bar, *: the ratio is over only the repetitions in which both the dataplane and the bridge have a figure (some failed)</text>\n", left, top + ph + 126
	# Grid and y axis.
	for (e = lo; e <= hi; e++) {
		v = 2 ^ e
		printf "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, left + pw, y(v), y(v)
		if ((e - lo) % every == 0 || e == 0)
			printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s×</text>\n", left - 6, y(v) + 4, (e >= 0 ? sprintf("%d", v) : "1/" sprintf("%d", 2 ^ -e))
	}
	printf "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"5,3\"/>\n", left, left + pw, y(1), y(1)
	printf "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, left, top, top + ph
	printf "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, left + pw, top + ph, top + ph
	printf "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">ratio to the Linux bridge (log scale)</text>\n", left - 52, top + ph / 2
	for (g = 1; g <= ng; g++) {
		x0 = left + (g - 1) * gw + gap / 2
		for (d = 1; d <= nd; d++) {
			k = g SUBSEP d
			x = x0 + (d - 1) * barw
			if (!(k in r) || r[k] < 0) {
				why = !has[k] ? "failed" : !khas[k] ? "no bridge" : "no ratio"
				printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n", x + barw / 2 + 3, top + ph - 4, x + barw / 2 + 3, top + ph - 4, why
				continue
			}
			printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"%s><title>%s %s: %.2f× (%.2f–%.2f)%s</title></rect>\n", x + 1, y(r[k]), barw - 2, top + ph - y(r[k]), color[dn[d]], part[k] ? " fill-opacity=\"0.4\"" : "", dn[d], esc(gt[g]), r[k], rmin[k], rmax[k], part[k] ? ", over the repetitions both have" : ""
			ty = y(rmax[k] > r[k] ? rmax[k] : r[k]) - 3
			if (dn[d] != "kernel")
				printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n", x + barw / 2 + 3, ty, x + barw / 2 + 3, ty, (r[k] >= 10 ? sprintf("%.0f", r[k]) : sprintf("%.2f", r[k])) (part[k] ? "*" : "")
			if (rmin[k] >= 0 && rmax[k] >= 0) {
				cx = x + barw / 2
				printf "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>\n", cx, cx, y(rmin[k]), y(rmax[k])
				printf "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>\n", cx - 4, cx + 4, y(rmin[k]), y(rmin[k])
				printf "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>\n", cx - 4, cx + 4, y(rmax[k]), y(rmax[k])
			}
		}
		lx = x0 + nd * barw / 2; ly = top + ph + 12
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-35 %.1f %d)\">%s%s</text>\n", lx, ly, lx, ly, esc(gt[g]), gb[g] == "lower" ? " ↓" : ""
	}
	# Legend.
	lx = left + pw + 20
	printf "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">dataplane</text>\n", lx, top + 4
	for (d = 1; d <= nd; d++) {
		printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, top + 4 + d * 18, color[dn[d]]
		printf "<text x=\"%d\" y=\"%d\">%s</text>\n", lx + 18, top + 14 + d * 18, esc(dn[d])
	}
	print "</svg>"
}
