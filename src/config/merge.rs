//! Merging an included YAML fragment into the configuration read so far: services and
//! lists are appended, settings the fragment sets replace earlier ones (as a later `set`
//! statement does in a control file).

use super::model::Config;

pub fn merge_into(config: &mut Config, fragment: Config) {
    let Config {
        daemon,
        init,
        terminal_batch,
        fips,
        log,
        pidfile,
        idfile,
        statefile,
        eventqueue,
        mail,
        alerts,
        mail_format,
        httpd,
        limits,
        onreboot,
        ssl,
        mmonit,
        environment,
        services,
    } = fragment;
    fn replace<T>(slot: &mut Option<T>, value: Option<T>) {
        if value.is_some() {
            *slot = value;
        }
    }
    replace(&mut config.daemon, daemon);
    config.init |= init;
    config.terminal_batch |= terminal_batch;
    config.fips |= fips;
    replace(&mut config.log, log);
    replace(&mut config.pidfile, pidfile);
    replace(&mut config.idfile, idfile);
    replace(&mut config.statefile, statefile);
    replace(&mut config.eventqueue, eventqueue);
    replace(&mut config.mail, mail);
    config.alerts.extend(alerts);
    replace(&mut config.mail_format, mail_format);
    replace(&mut config.httpd, httpd);
    replace(&mut config.limits.program_output, limits.program_output);
    replace(&mut config.limits.send_expect_buffer, limits.send_expect_buffer);
    replace(&mut config.limits.file_content_buffer, limits.file_content_buffer);
    replace(&mut config.limits.http_content_buffer, limits.http_content_buffer);
    replace(&mut config.limits.network_timeout, limits.network_timeout);
    replace(&mut config.limits.program_timeout, limits.program_timeout);
    replace(&mut config.limits.stop_timeout, limits.stop_timeout);
    replace(&mut config.limits.start_timeout, limits.start_timeout);
    replace(&mut config.limits.restart_timeout, limits.restart_timeout);
    replace(&mut config.limits.exec_timeout, limits.exec_timeout);
    replace(&mut config.onreboot, onreboot);
    replace(&mut config.ssl, ssl);
    config.mmonit.extend(mmonit);
    config.environment.extend(environment);
    config.services.extend(services);
}
