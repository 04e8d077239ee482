SELECT comply.audit('read', 'patients', '{"reason": "billing", "rows": 3}');
