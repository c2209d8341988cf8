/* metrics/rates.h - per-group rates from confusion counts (public API in fairaudit.h). */
#ifndef FA_METRICS_RATES_H
#define FA_METRICS_RATES_H

#include "include/fairaudit.h"

/* 1 when the metric is a rate that disparities are computed for (not count or share). */
int fa_rates_has_disparity(fa_metric m);

#endif
