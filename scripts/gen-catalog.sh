#!/usr/bin/env bash
# Writes a synthetic native catalog (JSON Lines) of N products to stdout, deterministically
# (the same N gives the same file), for the catalog-size benchmark: 10,000 vs 1,000,000.
# Usage: scripts/gen-catalog.sh N > catalog.jsonl
set -euo pipefail
n=${1:?usage: gen-catalog.sh N}
awk -v n="$n" 'BEGIN {
  srand(42);
  split("Wooden,Classic,Deluxe,Mini,Giant,Electric,Magnetic,Soft,Glow,Eco,Retro,Smart,Travel,Family,Pocket", adj, ",");
  split("Train Set,Dinosaur,Puzzle,Kite,Robot,Doll House,Board Game,Paint Kit,Telescope,Football,Running Shoes,Backpack,Headphones,Water Bottle,Garden Tools,Cookbook,Coffee Grinder,Scarf,Watch,Candle", noun, ",");
  split("Toys > Trains,Toys > Dinosaurs,Games > Puzzles,Outdoor > Kites,Toys > Robots,Toys > Dolls,Games > Board Games,Arts > Painting,Science > Astronomy,Sports > Football,Sports > Running,Bags > Backpacks,Electronics > Audio,Sports > Bottles,Home > Garden,Books > Cooking,Home > Kitchen,Fashion > Scarves,Fashion > Watches,Home > Candles", cat, ",");
  split("Oakline,Brightbox,Kidcraft,Peakform,Northway,Little Owl,Sundial,Fernleaf", brand, ",");
  split("red,blue,green,yellow,black,white,pink,orange", colour, ",");
  for (i = 1; i <= n; i++) {
    a = adj[int(rand() * 15) + 1]; k = int(rand() * 20) + 1; c = colour[int(rand() * 8) + 1];
    split(cat[k], path, " > ");
    price = sprintf("%.2f", 2 + rand() * rand() * 300);
    lo = int(rand() * 12); hi = lo + 3 + int(rand() * 60);
    printf "{\"id\":\"syn-%07d\",\"title\":\"%s %s %s %s\",\"description\":\"A %s %s %s from %s, model %d.\",", i, brand[int(rand()*8)+1], a, c, noun[k], c, tolower(a), tolower(noun[k]), brand[int(rand()*8)+1], i;
    printf "\"category\":[\"%s\",\"%s\"],\"price\":%s,\"currency\":\"GBP\",\"tags\":[\"%s\",\"%s\"],", path[1], path[2], price, tolower(a), c;
    printf "\"attributes\":{\"age_min\":%d,\"age_max\":%d},\"in_stock\":%s,\"rating\":%.1f,\"review_count\":%d}\n", lo, hi, (rand() < 0.9 ? "true" : "false"), 3 + rand() * 2, int(rand() * 2000);
  }
}'
