# Reference numbers for dawna/analysis/survival.py and response_stats.py, computed by R's
# survival package and base R stats. Writes JSON by hand (jsonlite is not needed), numbers with
# 17 significant digits, R's NA as null.
#
#   Rscript tests/reference/survival/reference.R [input_dir] [output_json]
#
# Defaults: the CSVs next to this script, and reference.json next to it. Input CSVs are written
# once by make_inputs.py (columns time, event, arm, stratum).
#
# What is computed, per dataset:
#   survfit(Surv(time, event) ~ 1, conf.type = "log" | "log-log" | "plain") for each arm:
#     the full table (every distinct time), print()'s median and 95 % CI (summary(fit)$table),
#     and quantile(fit, 0.5) for comparison;
#   survdiff(Surv(time, event) ~ arm) and survdiff(Surv(time, event) ~ arm + strata(stratum));
#   coxph(Surv(time, event) ~ relevel(factor(arm), "B"), ties = "efron"), with and without
#     + strata(stratum): hazard ratio of A relative to B, Wald 95 % CI and Wald p;
# and binom.test (Clopper-Pearson) and prop.test(correct = FALSE) for the response rates.

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = TRUE)
script_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
here <- if (length(script_arg)) dirname(normalizePath(sub("^--file=", "", script_arg[1]))) else "."
input_dir <- if (length(args) >= 1) args[1] else here
output <- if (length(args) >= 2) args[2] else file.path(here, "reference.json")

# ---- a small JSON writer: named list -> object, unnamed list or I(vector) -> array ----------
json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    items <- vapply(x, json, character(1))
    if (!is.null(names(x))) {
      keys <- vapply(names(x), json_string, character(1))
      return(paste0("{", paste0(keys, ": ", items, collapse = ", "), "}"))
    }
    return(paste0("[", paste(items, collapse = ", "), "]"))
  }
  values <- vapply(seq_along(x), function(i) json_scalar(x[[i]]), character(1))
  if (inherits(x, "AsIs") || length(x) != 1) return(paste0("[", paste(values, collapse = ", "), "]"))
  values
}
json_string <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
json_scalar <- function(v) {
  if (is.na(v)) return("null")
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.character(v)) return(json_string(v))
  if (!is.finite(v)) return("null")
  sprintf("%.17g", v)
}

# ---- survival ------------------------------------------------------------------------------
km_arm <- function(d, conf_type) {
  fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = conf_type)
  tab <- summary(fit)$table
  q <- quantile(fit, probs = 0.5)
  list(
    n = nrow(d), events = sum(d$event),
    median = unname(tab["median"]), lower = unname(tab["0.95LCL"]),
    upper = unname(tab["0.95UCL"]),
    quantile = list(median = unname(q$quantile), lower = unname(q$lower),
                    upper = unname(q$upper)),
    table = list(time = I(fit$time), n_risk = I(fit$n.risk), n_event = I(fit$n.event),
                 n_censor = I(fit$n.censor), survival = I(fit$surv), std_err = I(fit$std.err),
                 lower = I(fit$lower), upper = I(fit$upper))
  )
}

logrank <- function(formula, d) {
  sd <- survdiff(formula, data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  expd <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  arms <- sub("^arm=", "", names(sd$n))
  df <- sum(expd > 0) - 1
  list(chisq = sd$chisq, df = df, p = pchisq(sd$chisq, df, lower.tail = FALSE),
       observed = setNames(as.list(obs), arms), expected = setNames(as.list(expd), arms))
}

cox <- function(formula, d) {
  fit <- coxph(formula, data = d, ties = "efron")
  s <- summary(fit)
  list(coef = unname(coef(fit)), se = sqrt(vcov(fit)[1, 1]), hr = unname(exp(coef(fit))),
       lower = unname(s$conf.int[1, "lower .95"]), upper = unname(s$conf.int[1, "upper .95"]),
       p = unname(s$coefficients[1, "Pr(>|z|)"]))
}

datasets <- c("hand", "sim", "ties", "flat_end")
survival_out <- list()
for (name in datasets) {
  d <- read.csv(file.path(input_dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
  d$arm_b <- relevel(factor(d$arm), ref = "B")
  km <- list()
  for (ct in c("log", "log-log", "plain")) {
    km[[ct]] <- lapply(split(d, d$arm), km_arm, conf_type = ct)
  }
  survival_out[[name]] <- list(
    km = km,
    logrank = logrank(Surv(time, event) ~ arm, d),
    logrank_stratified = logrank(Surv(time, event) ~ arm + strata(stratum), d),
    cox = cox(Surv(time, event) ~ arm_b, d),
    cox_stratified = cox(Surv(time, event) ~ arm_b + strata(stratum), d)
  )
}

# ---- response rates ------------------------------------------------------------------------
proportions <- list(c(0, 10), c(1, 10), c(5, 20), c(20, 20), c(7, 40), c(12, 40), c(3, 37))
binomial_out <- lapply(proportions, function(xn) {
  ci <- binom.test(xn[1], xn[2])$conf.int
  list(x = xn[1], n = xn[2], lower = ci[1], upper = ci[2])
})

wilson <- function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int)
differences <- list(c(12, 40, 7, 40), c(0, 20, 3, 20), c(5, 20, 5, 20), c(40, 40, 38, 40),
                    c(3, 37, 9, 41))
difference_out <- lapply(differences, function(v) {
  x1 <- v[1]; n1 <- v[2]; x2 <- v[3]; n2 <- v[4]
  p1 <- x1 / n1; p2 <- x2 / n2
  w1 <- wilson(x1, n1); w2 <- wilson(x2, n2)
  wald <- suppressWarnings(prop.test(c(x1, x2), c(n1, n2), correct = FALSE)$conf.int)
  list(x1 = x1, n1 = n1, x2 = x2, n2 = n2, difference = p1 - p2,
       newcombe = list(lower = (p1 - p2) - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
                       upper = (p1 - p2) + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)),
       wald = list(lower = wald[1], upper = wald[2]))
})

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  survival = survival_out,
  binomial = binomial_out,
  difference = difference_out
)
writeLines(json(out), output)
