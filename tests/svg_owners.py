#!/usr/bin/env python3
"""svg_owners.py MAP.svg - read a kmm memory map (the "map" report) with a real XML
parser and print what the tests check, one fact a line:
  svg SLAB CELL_PAGES      the back-end and the scale the map says it drew
  owner KEY PAGES CELLS    each legend entry (data-owner, data-pages, data-cells)
  unknown-fill FILL        a cell drawn in a colour no legend entry has
  cells-mismatch KEY N M   an owner whose legend counts N cells but M were drawn
  zone NAME START END      each zone's cells group
A file that is not well-formed XML makes the parser raise: exit status 1."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
CELL_PX = 6


def main(path):
    root = ET.parse(path).getroot()
    if root.tag != NS + "svg":
        print("not-svg", root.tag)
        return 1
    print("svg", root.get("data-slab"), root.get("data-cell-pages"))
    legend = {}
    fills = {}
    for g in root.iter(NS + "g"):
        key = g.get("data-owner")
        if key is None:
            continue
        legend[key] = (int(g.get("data-pages")), int(g.get("data-cells")))
        fills.setdefault(g.get("data-fill"), []).append(key)
        print("owner", key, legend[key][0], legend[key][1])
    drawn = {}
    for g in root.iter(NS + "g"):
        if g.get("class") != "zone-cells":
            continue
        print("zone", g.get("data-zone"), g.get("data-start-pfn"), g.get("data-end-pfn"))
        for rect in g.findall(NS + "rect"):
            fill = rect.get("fill")
            if fill not in fills:
                print("unknown-fill", fill)
                continue
            drawn[fill] = drawn.get(fill, 0) + int(rect.get("width")) // CELL_PX
    for fill, keys in fills.items():
        # a colour two owners share, and the folded free rows, cannot be told apart
        if len(keys) != 1 or keys[0] == "free:10":
            continue
        if legend[keys[0]][1] != drawn.get(fill, 0):
            print("cells-mismatch", keys[0], legend[keys[0]][1], drawn.get(fill, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
