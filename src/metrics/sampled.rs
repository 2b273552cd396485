//! Series read at scrape time: values the app keeps anyway (the pool's
//! state, the hashing queue, counts of pool waits) cost nothing between
//! scrapes this way.

use std::collections::HashMap;

use prometheus::core::{Collector, Desc};
use prometheus::proto::{Counter, Gauge, LabelPair, Metric, MetricFamily, MetricType};

type Read = Box<dyn Fn() -> Vec<(&'static str, f64)> + Send + Sync>;

/// What a series without labels is.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Goes up and down.
    Gauge,
    /// Only grows.
    Counter,
}

/// One series family whose values are read when scraped.
pub struct Probe {
    desc: Desc,
    kind: MetricType,
    label: Option<&'static str>,
    read: Read,
}

impl Probe {
    /// One series without labels: a gauge, or a counter (`read` then only
    /// ever grows).
    pub fn single(
        kind: Kind,
        name: &str,
        help: &str,
        read: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let kind = match kind {
            Kind::Gauge => MetricType::GAUGE,
            Kind::Counter => MetricType::COUNTER,
        };
        Self::new(name, help, kind, None, move || vec![("", read())])
    }

    /// A gauge with one label: `read` gives each label value and its value.
    pub fn gauges(
        name: &str,
        help: &str,
        label: &'static str,
        read: impl Fn() -> Vec<(&'static str, f64)> + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        Self::new(name, help, MetricType::GAUGE, Some(label), read)
    }

    fn new(
        name: &str,
        help: &str,
        kind: MetricType,
        label: Option<&'static str>,
        read: impl Fn() -> Vec<(&'static str, f64)> + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let labels = label.iter().map(|l| (*l).to_owned()).collect();
        Ok(Self {
            desc: Desc::new(name.to_owned(), help.to_owned(), labels, HashMap::new())?,
            kind,
            label,
            read: Box::new(read),
        })
    }

    fn metric(&self, label_value: &str, value: f64) -> Metric {
        let mut metric = Metric::default();
        if let Some(name) = self.label {
            let mut pair = LabelPair::default();
            pair.set_name(name.to_owned());
            pair.set_value(label_value.to_owned());
            metric.set_label(vec![pair]);
        }
        if self.kind == MetricType::COUNTER {
            let mut counter = Counter::default();
            counter.set_value(value);
            metric.set_counter(counter);
        } else {
            let mut gauge = Gauge::default();
            gauge.set_value(value);
            metric.set_gauge(gauge);
        }
        metric
    }
}

impl Collector for Probe {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let mut family = MetricFamily::default();
        family.set_name(self.desc.fq_name.clone());
        family.set_help(self.desc.help.clone());
        family.set_field_type(self.kind);
        family.set_metric(
            (self.read)()
                .into_iter()
                .map(|(label, value)| self.metric(label, value))
                .collect(),
        );
        vec![family]
    }
}
