-- The name a team gives a WhatsApp line ("Cobranzas"): pickers show it beside the number.
ALTER TABLE wa_lines ADD COLUMN name TEXT NOT NULL DEFAULT '';
