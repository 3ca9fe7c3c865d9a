(function(){
var form=document.getElementById("filters");if(!form)return;
var rows=[].slice.call(document.querySelectorAll("tr[data-state]"));
var out=document.getElementById("shown");
function apply(){var on={};[].forEach.call(form.querySelectorAll("input[name=state]"),function(c){on[c.value]=c.checked});
var only=form.querySelector("input[name=findings]").checked,n=0;
rows.forEach(function(r){var show=on[r.getAttribute("data-state")]&&(!only||r.querySelector("[data-finding]"));
r.hidden=!show;if(show)n++});out.textContent=n+" of "+rows.length+" units shown";}
form.addEventListener("change",apply);form.hidden=false;apply();})();
