# shellcheck shell=bash
# 200 groups of 40 to 139 rows (one of them 12 rows, below min_group_size), with names that
# need the embedded Unicode font; deterministic.
awk 'BEGIN {
    srand(7); print "y,p,region";
    for (g = 0; g < 200; g++) {
        name = sprintf("region-%03d", g);
        if (g == 0) name = "Māori";
        if (g == 1) name = "Afro-Brasileiro";
        if (g == 2) name = "Ñuble & Bío-Bío";
        n = (g == 3) ? 12 : 40 + (g * 37) % 100;
        rate = 0.2 + 0.6 * ((g * 53) % 100) / 100;
        for (i = 0; i < n; i++) {
            y = rand() < 0.5 ? 1 : 0;
            p = rand() < rate ? 1 : 0;
            printf "%d,%d,%s\n", y, p, name;
        }
    }
}' >"$TMP/g200.csv"
