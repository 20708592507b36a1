#!/usr/bin/env bash
# Writes a synthetic native catalog (JSON Lines) of N products to stdout, deterministically
# (the same N gives the same file, byte for byte, with any awk: the random numbers come from
# the script's own Park-Miller generator, whose products stay exact in awk's doubles, not from
# awk's rand(), which differs between mawk and gawk), for the catalog-size benchmarks.
# `scripts/gen-catalog.sh 1000000 | sha256sum` is stated in BENCHMARKS.md to check a copy.
# Usage: scripts/gen-catalog.sh N > catalog.jsonl
set -euo pipefail
n=${1:?usage: gen-catalog.sh N}
awk -v n="$n" '
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
  seed = 42;
  split("Wooden,Classic,Deluxe,Mini,Giant,Electric,Magnetic,Soft,Glow,Eco,Retro,Smart,Travel,Family,Pocket", adj, ",");
  split("Train Set,Dinosaur,Puzzle,Kite,Robot,Doll House,Board Game,Paint Kit,Telescope,Football,Running Shoes,Backpack,Headphones,Water Bottle,Garden Tools,Cookbook,Coffee Grinder,Scarf,Watch,Candle", noun, ",");
  split("Toys > Trains,Toys > Dinosaurs,Games > Puzzles,Outdoor > Kites,Toys > Robots,Toys > Dolls,Games > Board Games,Arts > Painting,Science > Astronomy,Sports > Football,Sports > Running,Bags > Backpacks,Electronics > Audio,Sports > Bottles,Home > Garden,Books > Cooking,Home > Kitchen,Fashion > Scarves,Fashion > Watches,Home > Candles", cat, ",");
  split("Oakline,Brightbox,Kidcraft,Peakform,Northway,Little Owl,Sundial,Fernleaf", brand, ",");
  split("red,blue,green,yellow,black,white,pink,orange", colour, ",");
  for (i = 1; i <= n; i++) {
    a = adj[int(rnd() * 15) + 1]; k = int(rnd() * 20) + 1; c = colour[int(rnd() * 8) + 1];
    split(cat[k], path, " > ");
    price = sprintf("%.2f", 2 + rnd() * rnd() * 300);
    lo = int(rnd() * 12); hi = lo + 3 + int(rnd() * 60);
    printf "{\"id\":\"syn-%07d\",\"title\":\"%s %s %s %s\",\"description\":\"A %s %s %s from %s, model %d.\",", i, brand[int(rnd()*8)+1], a, c, noun[k], c, tolower(a), tolower(noun[k]), brand[int(rnd()*8)+1], i;
    printf "\"category\":[\"%s\",\"%s\"],\"price\":%s,\"currency\":\"GBP\",\"tags\":[\"%s\",\"%s\"],", path[1], path[2], price, tolower(a), c;
    printf "\"attributes\":{\"age_min\":%d,\"age_max\":%d},\"in_stock\":%s,\"rating\":%.1f,\"review_count\":%d}\n", lo, hi, (rnd() < 0.9 ? "true" : "false"), 3 + rnd() * 2, int(rnd() * 2000);
  }
}'
