"""Webhook connector: signed JSON POSTs following the Standard Webhooks spec (standardwebhooks.com)."""
