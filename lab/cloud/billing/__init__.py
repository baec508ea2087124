"""The billing service (`/billing/v1`): metering from the event table, hourly idempotent rating in decimal
money, prepaid and pay-as-you-go accounts with coupons, monthly bills, budgets. See service.py."""
