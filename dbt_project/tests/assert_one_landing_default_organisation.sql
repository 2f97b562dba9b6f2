-- Feeds without an organisation column belong to exactly one organisation.
select count(*) as n_default
from {{ ref('organisations') }}
where landing_default
having count(*) <> 1
