import { appMetrics, scrapeJobs, scrapeUp, serviceLabels, targetLabels } from "../metrics.js";
import { eq, rate, re, selector, sumBy } from "../promql.js";
import type { RuleGroup } from "./rule.js";

const http = appMetrics.httpDuration;
const requests = `${http.name}_count`;
const by = [serviceLabels.service, serviceLabels.region];

/** More than this share of a service's requests answered 5xx is an outage for its callers. */
export const maxErrorRatio = 0.05;

export const serviceRules: RuleGroup = {
  name: "meridian.services",
  rules: [
    {
      alert: "MeridianHighErrorRatio",
      // A service with no 5xx has no numerator series and cannot fire, which is what we want.
      expr: `${sumBy(by, rate(requests, [re(http.labels.statusCode, "5..")], "5m"))}\n  / ${sumBy(by, rate(requests, [], "5m"))}\n  > ${maxErrorRatio}`,
      for: "5m",
      labels: { severity: "page" },
      annotations: {
        summary: "{{ $labels.service }} in {{ $labels.region }} answers more than 5% of requests with 5xx",
        description:
          "{{ $value | humanizePercentage }} of requests failed over 5 minutes. See the Region overview dashboard and the service's log.",
      },
    },
    {
      alert: "MeridianServiceDown",
      expr: `${selector(scrapeUp, [eq(targetLabels.job, scrapeJobs.services)])} == 0`,
      for: "2m",
      labels: { severity: "page" },
      annotations: {
        summary: "{{ $labels.app }} in {{ $labels.region }} does not answer its metrics scrape",
        description: "The service process is down or hung ({{ $labels.instance }}); its sidecar cannot deliver events to it either.",
      },
    },
  ],
};
