//! Erasures announced to every server: each `PostgresStore` keeps one connection (outside the
//! pool) that `LISTEN`s on [`ERASED_CHANNEL`] and hands each erased shopper's id to the
//! server's subscribers. When the database goes away it reconnects, every second, by itself,
//! and then announces [`Erasure::Missed`]: a notification sent while it was not listening is
//! lost, so every live conversation asks the store once whether its shopper is still there.

use std::time::Duration;

use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, NoTls};

use super::schema::ERASED_CHANNEL;
use crate::profile::conversations::Erasure;
use crate::profile::id::ShopperId;

/// How often a quiet listening connection is checked.
const PING: Duration = Duration::from_secs(15);

/// Runs until the store's runtime shuts down.
pub(super) async fn listen(config: tokio_postgres::Config, erased: broadcast::Sender<Erasure>) {
    // Whether a connection was lost since the last time one listened.
    let mut lost = false;
    loop {
        match listen_once(&config, &erased, lost).await {
            Err(error) => tracing::debug!(%error, "erasure listener lost its connection; reconnecting"),
            Ok(()) => tracing::debug!("erasure listener's connection closed; reconnecting"),
        }
        lost = true;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(
    config: &tokio_postgres::Config,
    erased: &broadcast::Sender<Erasure>,
    after_loss: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let sender = erased.clone();
    // The connection must be polled for the LISTEN below to complete, and for notifications;
    // its first error (the database went away) ends it.
    let mut driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(note))) if note.channel() == ERASED_CHANNEL => {
                    match note.payload().parse::<ShopperId>() {
                        // Nobody subscribed is not an error: no conversation to end.
                        Ok(shopper) => drop(sender.send(Erasure::Shopper(shopper))),
                        Err(_) => tracing::warn!(payload = note.payload(), "erasure notice without a shopper id"),
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    tracing::debug!(%error, "erasure listener connection");
                    break;
                }
                None => break,
            }
        }
    });
    client.batch_execute(&format!("LISTEN {ERASED_CHANNEL}")).await?;
    if after_loss {
        tracing::info!("erasure listener reconnected; live conversations check their shoppers");
        let _ = erased.send(Erasure::Missed);
    }
    // A database host that vanished without closing the connection is noticed by a ping.
    loop {
        tokio::select! {
            _ = &mut driver => break,
            _ = tokio::time::sleep(PING) => {
                if let Err(error) = client.simple_query("").await {
                    driver.abort();
                    return Err(error);
                }
            }
        }
    }
    Ok(())
}
