//! The engine: the scheduler that runs every service's checks each cycle, the rule
//! evaluator that turns results into actions (Monit's event model), and the executor of
//! those actions with their dependencies.

pub mod rules;
